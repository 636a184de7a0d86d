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
     * Checks that the provider implements this pot4j's SPI, not an older one: since the providers
     * declare a parameter record, a plugin compiled against an api without it loads (its name
     * answers) but would fail with an {@link AbstractMethodError} at its first use.
     *
     * @throws IllegalStateException naming what is missing and the fix
     */
    void checkSpi(Object provider) {
        String method = this == BACKEND ? "loadOptions()" : "parameters()";
        Class<?> record;
        try {
            switch (this) {
                case BACKEND: record = ((ModelBackendProvider<?>) provider).loadOptions(); break;
                case METRIC: record = ((MetricProvider<?>) provider).parameters(); break;
                case DATASET: record = ((DatasetProvider<?>) provider).parameters(); break;
                default: return;
            }
        } catch (AbstractMethodError e) {
            throw new IllegalStateException("built against an older pot4j-api: it has no " + method
                    + " (this pot4j's providers declare their parameters as a record and receive it bound); rebuild the"
                    + " plugin against this pot4j-api (README: 'Write a metric')");
        }
        if (record == null) {
            throw new IllegalStateException(method + " returned null; return a record class"
                    + " (org.pot4j.api.param.NoParameters for none)");
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
