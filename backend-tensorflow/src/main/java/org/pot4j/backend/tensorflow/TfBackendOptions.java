package org.pot4j.backend.tensorflow;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.tensorflow.proto.ConfigProto;

/**
 * Backend settings from the config's {@code engine} section: {@code intra_op_threads} and
 * {@code inter_op_threads} (TensorFlow's thread pools; 0 or absent lets TensorFlow choose).
 *
 * @param intraOpThreads threads inside one op, 0 = TensorFlow's default
 * @param interOpThreads ops run in parallel, 0 = TensorFlow's default
 */
record TfBackendOptions(int intraOpThreads, int interOpThreads) {
    /** Keys this backend accepts. */
    static final Set<String> KEYS = new TreeSet<>(List.of("intra_op_threads", "inter_op_threads"));

    /** Parses options, rejecting unknown keys and bad values. */
    static TfBackendOptions parse(Map<String, Object> options) {
        Map<String, Object> o = options == null ? Map.of() : options;
        for (String key : o.keySet()) {
            if (!KEYS.contains(key)) {
                throw new Pot4jException(ErrorCode.CONFIG_UNKNOWN_KEY, "tensorflow backend option '" + key
                        + "' is unknown; valid options are " + KEYS);
            }
        }
        return new TfBackendOptions(threads(o, "intra_op_threads"), threads(o, "inter_op_threads"));
    }

    /** The TensorFlow session configuration. */
    ConfigProto sessionConfig() {
        return ConfigProto.newBuilder()
                .setIntraOpParallelismThreads(intraOpThreads)
                .setInterOpParallelismThreads(interOpThreads)
                .build();
    }

    private static int threads(Map<String, Object> o, String key) {
        Object v = o.get(key);
        if (v == null) {
            return 0;
        }
        if (v instanceof Number n && n.doubleValue() == n.intValue() && n.intValue() >= 0) {
            return n.intValue();
        }
        throw new Pot4jException(ErrorCode.CONFIG_INVALID, "tensorflow backend option '" + key
                + "' must be a whole number >= 0, not " + v);
    }
}
