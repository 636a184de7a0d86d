package org.pot4j.backend.tensorflow;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;

/**
 * Model options the TensorFlow backend understands (the config's {@code model} section):
 * {@code signature} (SavedModel signature key, default {@code serving_default}), {@code tags}
 * (meta graph tags, default {@code serve}), for frozen graphs {@code inputs}/{@code outputs}
 * (op or tensor names; default: every Placeholder, every op whose result nothing reads),
 * {@code output} (what {@code save} writes: {@code int8}, the default, for oneDNN int8 kernels, or
 * {@code fake_quant} for int8 weights with float {@code FakeQuantWithMinMaxVars} activations), and the
 * session threads: {@code threads} (the engine's backend-neutral option: intra-op threads, one inter-op
 * thread), or {@code intra_op_threads}/{@code inter_op_threads}.
 *
 * @param signature      SavedModel signature key
 * @param tags           SavedModel meta graph tags
 * @param inputs         frozen-graph input names, empty to infer
 * @param outputs        frozen-graph output names, empty to infer
 * @param output         what {@code save} writes
 * @param intraOpThreads intra-op threads, 0 = the backend's setting
 * @param interOpThreads inter-op threads, 0 = the backend's setting
 */
record TfLoadOptions(String signature, List<String> tags, List<String> inputs, List<String> outputs, Output output,
                     int intraOpThreads, int interOpThreads) {
    /** What {@code save} writes. */
    enum Output {
        /** QuantizeV2 / fused int8 convolutions and matmuls / Dequantize: runs on oneDNN int8 kernels. */
        INT8,
        /** int8 weight constants dequantized in the graph and FakeQuantWithMinMaxVars: float kernels. */
        FAKE_QUANT
    }

    /** Default signature key of SavedModels. */
    static final String DEFAULT_SIGNATURE = "serving_default";
    /** Option keys this backend accepts; "threads" is the engine's engine.threads / benchmark --threads. */
    static final Set<String> KEYS = new TreeSet<>(List.of("signature", "tags", "inputs", "outputs", "output", "threads",
            "intra_op_threads", "inter_op_threads"));

    TfLoadOptions {
        tags = List.copyOf(tags);
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }

    /**
     * Parses options, rejecting unknown keys.
     *
     * @throws Pot4jException {@code CONFIG_UNKNOWN_KEY} or {@code CONFIG_INVALID}
     */
    static TfLoadOptions parse(Map<String, Object> options) {
        Map<String, Object> o = options == null ? Map.of() : options;
        for (String key : o.keySet()) {
            if (!KEYS.contains(key)) {
                throw new Pot4jException(ErrorCode.CONFIG_UNKNOWN_KEY, "tensorflow model option '" + key
                        + "' is unknown; valid options are " + KEYS);
            }
        }
        Object sig = o.getOrDefault("signature", DEFAULT_SIGNATURE);
        if (!(sig instanceof String s) || s.isBlank()) {
            throw new Pot4jException(ErrorCode.CONFIG_INVALID, "tensorflow model option 'signature' must be a signature key, e.g. \""
                    + DEFAULT_SIGNATURE + "\", not " + sig);
        }
        List<String> tags = names(o, "tags");
        Object out = o.getOrDefault("output", "int8");
        Output output;
        if ("int8".equals(out)) {
            output = Output.INT8;
        } else if ("fake_quant".equals(out)) {
            output = Output.FAKE_QUANT;
        } else {
            throw new Pot4jException(ErrorCode.CONFIG_INVALID, "tensorflow model option 'output' must be \"int8\" (oneDNN int8"
                    + " kernels, the default) or \"fake_quant\" (float FakeQuant ops), not " + out);
        }
        int threads = count(o, "threads");
        int intra = o.containsKey("intra_op_threads") ? count(o, "intra_op_threads") : threads;
        int inter = o.containsKey("inter_op_threads") ? count(o, "inter_op_threads") : (threads > 0 ? 1 : 0);
        return new TfLoadOptions(s, tags.isEmpty() ? List.of("serve") : tags, names(o, "inputs"), names(o, "outputs"),
                output, intra, inter);
    }

    /** The session configuration: these threads where given, else {@code base}'s. */
    org.tensorflow.proto.ConfigProto sessionConfig(org.tensorflow.proto.ConfigProto base) {
        org.tensorflow.proto.ConfigProto.Builder b = base.toBuilder();
        if (intraOpThreads > 0) {
            b.setIntraOpParallelismThreads(intraOpThreads);
        }
        if (interOpThreads > 0) {
            b.setInterOpParallelismThreads(interOpThreads);
        }
        return b.build();
    }

    /** A whole number >= 0 (a String from the command line's -o KEY=VALUE too); 0 when absent. */
    private static int count(Map<String, Object> o, String key) {
        Object v = o.get(key);
        if (v == null) {
            return 0;
        }
        if (v instanceof String str && str.strip().matches("\\d{1,6}")) {
            return Integer.parseInt(str.strip());
        }
        if (v instanceof Number n && n.doubleValue() == n.intValue() && n.intValue() >= 0) {
            return n.intValue();
        }
        throw new Pot4jException(ErrorCode.CONFIG_INVALID, "tensorflow model option '" + key + "' must be a whole number >= 0, not " + v);
    }

    private static List<String> names(Map<String, Object> o, String key) {
        Object v = o.get(key);
        List<String> out = new ArrayList<>();
        if (v == null) {
            return out;
        }
        if (v instanceof String s) {
            for (String part : s.split(",")) {
                if (!part.isBlank()) {
                    out.add(part.strip());
                }
            }
        } else if (v instanceof Collection<?> c) {
            for (Object item : c) {
                if (!(item instanceof String s) || s.isBlank()) {
                    throw new Pot4jException(ErrorCode.CONFIG_INVALID, "tensorflow model option '" + key
                            + "' must list names as strings, found " + item);
                }
                out.add(s.strip());
            }
        } else {
            throw new Pot4jException(ErrorCode.CONFIG_INVALID, "tensorflow model option '" + key
                    + "' must be a list of names or a comma-separated string, not " + v);
        }
        return out;
    }
}
