package org.pot4j.backend.tensorflow;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import org.pot4j.api.model.BackendCapability;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.ModelBackend;
import org.tensorflow.proto.ConfigProto;

/**
 * Reads TensorFlow SavedModels and frozen GraphDefs, runs them in TensorFlow sessions, and writes
 * them with int8 weights and, by default, TensorFlow's oneDNN int8 kernels ({@code QuantizeV2},
 * {@code _FusedQuantizedConv2D}, {@code _QuantizedMatMul}, {@code Dequantize}; see
 * {@link TfInt8Lowering}), or with float {@code FakeQuantWithMinMaxVars} activations (model option
 * {@code output: fake_quant}).
 *
 * <p>{@link BackendCapability#INT8_KERNELS} is claimed when the runtime's int8 convolution kernel
 * runs ({@link TfInt8Kernels}, probed once).
 */
final class TfBackend implements ModelBackend<TfLoadOptions> {
    private static final Set<BackendCapability> CAPABILITIES = EnumSet.of(
            BackendCapability.PER_CHANNEL_WEIGHTS,
            BackendCapability.ACTIVATION_QUANTIZATION,
            BackendCapability.ASYMMETRIC_ACTIVATIONS,
            BackendCapability.BIAS_CORRECTION,
            BackendCapability.INTERMEDIATE_OUTPUTS,
            BackendCapability.INT8_WEIGHT_STORAGE);

    private static final System.Logger LOG = System.getLogger(TfBackend.class.getName());

    /** The backend-wide session configuration (threads from the backend-wide options). */
    private final ConfigProto sessionConfig;

    TfBackend(TfLoadOptions options) {
        this.sessionConfig = (options == null ? TfLoadOptions.defaults() : options).backendSessionConfig();
    }

    @Override
    public String name() {
        return TfBackendProvider.NAME;
    }

    @Override
    public Set<BackendCapability> capabilities() {
        EnumSet<BackendCapability> c = EnumSet.copyOf(CAPABILITIES);
        if (TfInt8Kernels.probe().conv()) {
            c.add(BackendCapability.INT8_KERNELS);
        }
        if (TfCpuFeatures.u8s8Saturates()) {
            c.add(BackendCapability.SATURATING_INT8_KERNELS);
        }
        return c;
    }

    /**
     * A SavedModel folder (it has {@code saved_model.pb}, or at least {@code variables/} or a text
     * {@code saved_model.pbtxt}, so that {@link #load} can say what is missing), or a {@code .pb} file.
     */
    @Override
    public boolean accepts(Path path) {
        if (Files.isDirectory(path)) {
            return Files.isRegularFile(path.resolve(TfModelReader.SAVED_MODEL_PB))
                    || Files.isRegularFile(path.resolve("saved_model.pbtxt"))
                    || Files.isDirectory(path.resolve("variables"));
        }
        return path.getFileName() != null && path.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".pb");
    }

    @Override
    public Model load(Path path, TfLoadOptions modelOptions) {
        TfLoadOptions o = modelOptions == null ? TfLoadOptions.defaults() : modelOptions;
        TfGraphSource source = TfModelReader.read(path, o);
        TfFp16Weights.check(source.graph(), path);
        String signature = source.format() == TfGraphSource.Format.SAVED_MODEL ? o.signature() : TfLoadOptions.DEFAULT_SIGNATURE;
        TfModel model = new TfModel(path, source, signature, o.sessionConfig(sessionConfig), o.outputKind());
        LOG.log(System.Logger.Level.INFO, "{0}: {1}, {2} nodes in the frozen graph, {3} quantizable nodes", path,
                source.format() == TfGraphSource.Format.SAVED_MODEL ? "SavedModel signature " + signature : "frozen GraphDef",
                source.graph().getNodeCount(), model.quantizableNodes().size());
        return model;
    }
}
