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
 * (meta graph tags, default {@code serve}), and for frozen graphs {@code inputs}/{@code outputs}
 * (op or tensor names; default: every Placeholder, every op whose result nothing reads).
 *
 * @param signature SavedModel signature key
 * @param tags      SavedModel meta graph tags
 * @param inputs    frozen-graph input names, empty to infer
 * @param outputs   frozen-graph output names, empty to infer
 */
record TfLoadOptions(String signature, List<String> tags, List<String> inputs, List<String> outputs) {
    /** Default signature key of SavedModels. */
    static final String DEFAULT_SIGNATURE = "serving_default";
    /** Option keys this backend accepts; "threads" (the engine's engine.threads) is accepted and left to the backend's session settings. */
    static final Set<String> KEYS = new TreeSet<>(List.of("signature", "tags", "inputs", "outputs", "threads"));

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
        return new TfLoadOptions(s, tags.isEmpty() ? List.of("serve") : tags, names(o, "inputs"), names(o, "outputs"));
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
