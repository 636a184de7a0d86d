package org.pot4j.backend.onnx;

import ai.onnxruntime.OrtEnvironment;
import java.nio.file.Path;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import org.pot4j.api.model.BackendCapability;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.ModelBackend;
import org.pot4j.backend.onnx.proto.OnnxProtos.ModelProto;

/**
 * Reads, runs and writes {@code .onnx} models with ONNX Runtime. Quantized models are written in the
 * QDQ format, which ORT fuses into integer kernels (QLinearConv, QGemm, MatMulIntegerToFloat...).
 *
 * <p>Options: {@link OnnxLoadOptions} (backend-wide from {@link OnnxBackendProvider#create}, overridden
 * per model by the options {@link #load} receives, both bound by the engine).
 */
public final class OnnxBackend implements ModelBackend<OnnxLoadOptions> {
    private static final Set<BackendCapability> CAPABILITIES = capabilities(OnnxCpuFeatures.u8s8Saturates());

    private final OrtEnvironment env;
    private final OnnxSessionSettings settings;
    private final long externalThreshold;

    /** @param sharedPool {@code env} has a global intra-op pool the sessions share ({@link OnnxEnvironment}) */
    OnnxBackend(OrtEnvironment env, OnnxLoadOptions options, boolean sharedPool) {
        this(env, options, OnnxModelWriter.DEFAULT_EXTERNAL_THRESHOLD, sharedPool);
    }

    OnnxBackend(OrtEnvironment env, OnnxLoadOptions options, long externalThreshold, boolean sharedPool) {
        this.env = env;
        this.settings = OnnxSessionSettings.defaults().withSharedPool(sharedPool).with(options);
        this.externalThreshold = externalThreshold;
    }

    static Set<BackendCapability> capabilities(boolean saturatingKernels) {
        Set<BackendCapability> caps = EnumSet.of(
                BackendCapability.PER_CHANNEL_WEIGHTS, BackendCapability.ACTIVATION_QUANTIZATION,
                BackendCapability.ASYMMETRIC_ACTIVATIONS, BackendCapability.BIAS_CORRECTION,
                BackendCapability.INTERMEDIATE_OUTPUTS, BackendCapability.INT8_WEIGHT_STORAGE,
                BackendCapability.INT8_KERNELS, BackendCapability.DYNAMIC_ACTIVATIONS,
                BackendCapability.FLOAT_OUTLIER_CHANNELS);
        if (saturatingKernels) {
            caps.add(BackendCapability.SATURATING_INT8_KERNELS);
        }
        return Collections.unmodifiableSet(caps);
    }

    @Override
    public String name() {
        return OnnxBackendProvider.NAME;
    }

    @Override
    public Set<BackendCapability> capabilities() {
        return CAPABILITIES;
    }

    @Override
    public boolean accepts(Path path) {
        Path name = path.getFileName();
        return name != null && name.toString().toLowerCase(Locale.ROOT).endsWith(".onnx");
    }

    @Override
    public Model load(Path path, OnnxLoadOptions options) {
        OnnxSessionSettings s = settings.with(options);
        OnnxModelReader.Loaded loaded = OnnxModelReader.read(path);
        // a quantized model (pot4j's own output, loaded to benchmark or evaluate it) keeps its float16
        // scale tables as written: it is run as it is, never quantized again
        ModelProto read = loaded.model();
        ModelProto fp32 = OnnxOpClasses.anyQuantized(read.getGraph().getNodeList()) ? read : OnnxFp16Weights.upcast(read, path);
        OnnxModel model = new OnnxModel(path, env, s, OnnxGraphNormalizer.normalize(fp32), loaded.sizeOnDisk(),
                externalThreshold);
        model.sourceFiles(loaded.files());
        return model;
    }
}
