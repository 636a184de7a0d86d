package org.pot4j.backend.onnx;

import ai.onnxruntime.OrtSession;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.pot4j.api.param.Range;

/**
 * The {@code onnx} backend's load options (a config's {@code model.options}), bound and checked by the
 * engine when the config loads ({@link org.pot4j.api.param.Parameters}'s convention); a null component
 * keeps the backend's setting.
 *
 * @param intraOpThreads     ONNX Runtime's intra-op threads (default: the number of available processors)
 * @param threads            the engine's backend-neutral name for the same ({@code engine.threads});
 *                           {@code intra_op_threads} wins when both are given
 * @param optimizationLevel  {@code all} (default), {@code extended}, {@code basic} or {@code disabled}
 * @param optimizedModelPath where ORT writes the graph it really runs (for checking which integer
 *                           kernels it picked)
 */
public record OnnxLoadOptions(@Range(min = 1, max = 1024) Integer intraOpThreads,
                              @Range(min = 1, max = 1024) Integer threads,
                              String optimizationLevel, String optimizedModelPath) {
    private static final Map<String, OrtSession.SessionOptions.OptLevel> LEVELS = levels();

    /** Checks {@code optimization_level} (case-insensitive). */
    public OnnxLoadOptions {
        if (optimizationLevel != null && !LEVELS.containsKey(optimizationLevel.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("optimization_level '" + optimizationLevel + "' is not valid; use one of "
                    + LEVELS.keySet());
        }
    }

    /** No option given: the backend's settings. */
    public static OnnxLoadOptions defaults() {
        return new OnnxLoadOptions(null, null, null, null);
    }

    /** Only {@code optimized_model_path}. */
    public static OnnxLoadOptions optimizedModelPath(String path) {
        return new OnnxLoadOptions(null, null, null, path);
    }

    /** The intra-op thread count given, {@code intra_op_threads} before {@code threads}; null when neither. */
    Integer threadCount() {
        return intraOpThreads != null ? intraOpThreads : threads;
    }

    /** The optimization level given, or null. */
    OrtSession.SessionOptions.OptLevel level() {
        return optimizationLevel == null ? null : LEVELS.get(optimizationLevel.toLowerCase(Locale.ROOT));
    }

    private static Map<String, OrtSession.SessionOptions.OptLevel> levels() {
        Map<String, OrtSession.SessionOptions.OptLevel> m = new LinkedHashMap<>();
        m.put("all", OrtSession.SessionOptions.OptLevel.ALL_OPT);
        m.put("extended", OrtSession.SessionOptions.OptLevel.EXTENDED_OPT);
        m.put("basic", OrtSession.SessionOptions.OptLevel.BASIC_OPT);
        m.put("disabled", OrtSession.SessionOptions.OptLevel.NO_OPT);
        return m;
    }
}
