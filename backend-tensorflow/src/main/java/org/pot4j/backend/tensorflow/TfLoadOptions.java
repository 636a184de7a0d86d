package org.pot4j.backend.tensorflow;

import java.util.ArrayList;
import java.util.List;
import org.pot4j.api.param.Range;

/**
 * The {@code tensorflow} backend's load options (a config's {@code model.options}), bound and checked by
 * the engine when the config loads ({@link org.pot4j.api.param.Parameters}'s convention):
 * {@code signature} (SavedModel signature key, default {@code serving_default}), {@code tags} (meta graph
 * tags, default {@code serve}), for frozen graphs {@code inputs}/{@code outputs} (op or tensor names;
 * default: every Placeholder, every op whose result nothing reads), {@code output} (what {@code save}
 * writes: {@code int8}, the default, for oneDNN int8 kernels, or {@code fake_quant} for int8 weights with
 * float {@code FakeQuantWithMinMaxVars} activations), and the session threads: {@code threads} (the
 * engine's backend-neutral option: intra-op threads, one inter-op thread), or
 * {@code intra_op_threads}/{@code inter_op_threads}. Name lists may also be given as one
 * comma-separated string. As the backend-wide options of {@code create} only the thread keys apply.
 *
 * @param signature      SavedModel signature key
 * @param tags           SavedModel meta graph tags
 * @param inputs         frozen-graph input names, empty to infer
 * @param outputs        frozen-graph output names, empty to infer
 * @param output         what {@code save} writes: {@code int8} or {@code fake_quant}
 * @param threads        intra-op threads with one inter-op thread, null = the backend's setting
 * @param intraOpThreads intra-op threads, null = {@code threads}, 0 = TensorFlow's default
 * @param interOpThreads inter-op threads, null = 1 when {@code threads} is given, 0 = TensorFlow's default
 */
public record TfLoadOptions(String signature, List<String> tags, List<String> inputs, List<String> outputs, String output,
                            @Range(min = 0) Integer threads, @Range(min = 0) Integer intraOpThreads,
                            @Range(min = 0) Integer interOpThreads) {
    /** What {@code save} writes. */
    enum Output {
        /** QuantizeV2 / fused int8 convolutions and matmuls / Dequantize: runs on oneDNN int8 kernels. */
        INT8,
        /** int8 weight constants dequantized in the graph and FakeQuantWithMinMaxVars: float kernels. */
        FAKE_QUANT
    }

    /** Default signature key of SavedModels. */
    static final String DEFAULT_SIGNATURE = "serving_default";

    /** Fills the defaults and checks the values. */
    public TfLoadOptions {
        if (signature == null) {
            signature = DEFAULT_SIGNATURE;
        } else if (signature.isBlank()) {
            throw new IllegalArgumentException("'signature' must be a signature key, e.g. \"" + DEFAULT_SIGNATURE + "\"");
        }
        tags = names(tags);
        if (tags.isEmpty()) {
            tags = List.of("serve");
        }
        inputs = names(inputs);
        outputs = names(outputs);
        if (output == null) {
            output = "int8";
        } else if (!output.equals("int8") && !output.equals("fake_quant")) {
            throw new IllegalArgumentException("'output' must be \"int8\" (oneDNN int8 kernels, the default) or"
                    + " \"fake_quant\" (float FakeQuant ops), not " + output);
        }
    }

    /** No option given. */
    public static TfLoadOptions defaults() {
        return new TfLoadOptions(null, null, null, null, null, null, null, null);
    }

    /** What {@code save} writes. */
    Output outputKind() {
        return output.equals("fake_quant") ? Output.FAKE_QUANT : Output.INT8;
    }

    /** The intra-op threads given ({@code intra_op_threads}, else {@code threads}), 0 when none. */
    int intraOps() {
        return intraOpThreads != null ? intraOpThreads : threads != null ? threads : 0;
    }

    /** The inter-op threads given ({@code inter_op_threads}, else 1 when {@code threads} > 0), 0 when none. */
    int interOps() {
        return interOpThreads != null ? interOpThreads : threads != null && threads > 0 ? 1 : 0;
    }

    /** The session configuration: these threads where given, else {@code base}'s. */
    org.tensorflow.proto.ConfigProto sessionConfig(org.tensorflow.proto.ConfigProto base) {
        org.tensorflow.proto.ConfigProto.Builder b = base.toBuilder();
        if (intraOps() > 0) {
            b.setIntraOpParallelismThreads(intraOps());
        }
        if (interOps() > 0) {
            b.setInterOpParallelismThreads(interOps());
        }
        return b.build();
    }

    /** The backend-wide session configuration (0 lets TensorFlow choose). */
    org.tensorflow.proto.ConfigProto backendSessionConfig() {
        return org.tensorflow.proto.ConfigProto.newBuilder()
                .setIntraOpParallelismThreads(intraOps())
                .setInterOpParallelismThreads(interOps())
                .build();
    }

    /** The names of a list whose items may be comma-separated ({@code "a, b"} is {@code a} and {@code b}). */
    private static List<String> names(List<String> given) {
        List<String> out = new ArrayList<>();
        if (given != null) {
            for (String item : given) {
                if (item == null) {
                    throw new IllegalArgumentException("name lists must hold names, found null");
                }
                for (String part : item.split(",")) {
                    if (!part.isBlank()) {
                        out.add(part.strip());
                    }
                }
            }
        }
        return List.copyOf(out);
    }
}
