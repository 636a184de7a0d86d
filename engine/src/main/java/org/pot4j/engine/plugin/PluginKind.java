package org.pot4j.engine.plugin;

import org.pot4j.api.data.DatasetProvider;
import org.pot4j.api.metric.MetricProvider;
import org.pot4j.api.model.ModelBackendProvider;
import org.pot4j.api.quant.QuantizationAlgorithmProvider;

/** The kinds of provider pot4j discovers with {@link java.util.ServiceLoader}. */
public enum PluginKind {
    /** Model backends ({@code onnx}, {@code tensorflow}, {@code djl}). */
    BACKEND("backend", ModelBackendProvider.class),
    /** Accuracy metrics. */
    METRIC("metric", MetricProvider.class),
    /** Quantization algorithms. */
    ALGORITHM("algorithm", QuantizationAlgorithmProvider.class),
    /** Dataset readers ({@code idx}, {@code npy}, {@code csv}). */
    DATASET("dataset", DatasetProvider.class);

    private final String label;
    private final Class<?> spi;

    PluginKind(String label, Class<?> spi) {
        this.label = label;
        this.spi = spi;
    }

    /** Lower-case word for messages and tables. */
    public String label() {
        return label;
    }

    /** The service interface ServiceLoader looks up. */
    public Class<?> spi() {
        return spi;
    }

    /** The name a provider of this kind registers under. */
    String nameOf(Object provider) {
        switch (this) {
            case BACKEND: return ((ModelBackendProvider) provider).name();
            case METRIC: return ((MetricProvider) provider).name();
            case ALGORITHM: return ((QuantizationAlgorithmProvider) provider).name();
            default: return ((DatasetProvider) provider).name();
        }
    }

    /**
     * The version a provider reports; falls back to the jar manifest's Implementation-Version
     * because dataset providers (and lazy plugin authors) do not report one.
     */
    String versionOf(Object provider) {
        String v;
        switch (this) {
            case BACKEND: v = ((ModelBackendProvider) provider).version(); break;
            case METRIC: v = ((MetricProvider) provider).version(); break;
            case ALGORITHM: v = ((QuantizationAlgorithmProvider) provider).version(); break;
            default: v = null;
        }
        if (v == null || v.isBlank() || v.equals("unknown")) {
            Package p = provider.getClass().getPackage();
            String manifest = p == null ? null : p.getImplementationVersion();
            return manifest != null ? manifest : "unknown";
        }
        return v;
    }
}
