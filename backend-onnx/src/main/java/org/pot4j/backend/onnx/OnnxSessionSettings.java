package org.pot4j.backend.onnx;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;

/**
 * ONNX Runtime session settings parsed from config options: {@code intra_op_threads} (default: the
 * number of available processors), {@code optimization_level} ({@code all} (default),
 * {@code extended}, {@code basic}, {@code disabled}) and {@code optimized_model_path} (where ORT
 * writes the graph it really runs; for checking which integer kernels it picked).
 */
record OnnxSessionSettings(int intraOpThreads, OrtSession.SessionOptions.OptLevel optimizationLevel,
                           String optimizedModelPath) {
    /** Option keys this backend understands. */
    static final Set<String> KEYS = new TreeSet<>(List.of("intra_op_threads", "threads", "optimization_level", "optimized_model_path"));

    private static final Map<String, OrtSession.SessionOptions.OptLevel> LEVELS = levels();

    /** Defaults: all optimizations, one thread per available processor. */
    static OnnxSessionSettings defaults() {
        return new OnnxSessionSettings(Runtime.getRuntime().availableProcessors(),
                OrtSession.SessionOptions.OptLevel.ALL_OPT, null);
    }

    /**
     * These settings overridden by {@code options}.
     *
     * @throws Pot4jException {@code CONFIG_UNKNOWN_KEY} or {@code CONFIG_INVALID}
     */
    OnnxSessionSettings with(Map<String, Object> options) {
        if (options == null || options.isEmpty()) {
            return this;
        }
        for (String key : options.keySet()) {
            if (!KEYS.contains(key)) {
                throw new Pot4jException(ErrorCode.CONFIG_UNKNOWN_KEY, "unknown onnx backend option '" + key
                        + "'; valid options are " + KEYS);
            }
        }
        int threads = intraOpThreads;
        // "threads" is the engine's backend-neutral name (config engine.threads)
        Object t = options.containsKey("intra_op_threads") ? options.get("intra_op_threads") : options.get("threads");
        if (t != null) {
            threads = parseThreads(t);
        }
        OrtSession.SessionOptions.OptLevel level = optimizationLevel;
        Object l = options.get("optimization_level");
        if (l != null) {
            level = LEVELS.get(String.valueOf(l).toLowerCase(Locale.ROOT));
            if (level == null) {
                throw new Pot4jException(ErrorCode.CONFIG_INVALID, "optimization_level '" + l
                        + "' is not valid; use one of " + LEVELS.keySet());
            }
        }
        Object p = options.get("optimized_model_path");
        return new OnnxSessionSettings(threads, level, p == null ? optimizedModelPath : String.valueOf(p));
    }

    /** A new SessionOptions; the caller closes it. */
    OrtSession.SessionOptions toSessionOptions() throws OrtException {
        OrtSession.SessionOptions o = new OrtSession.SessionOptions();
        try {
            o.setIntraOpNumThreads(intraOpThreads);
            o.setOptimizationLevel(optimizationLevel);
            if (optimizedModelPath != null) {
                o.setOptimizedModelFilePath(optimizedModelPath);
            }
            return o;
        } catch (OrtException | RuntimeException e) {
            o.close();
            throw e;
        }
    }

    /** The same settings writing ORT's optimized graph to {@code path}. */
    OnnxSessionSettings withOptimizedModelPath(String path) {
        return new OnnxSessionSettings(intraOpThreads, optimizationLevel, path);
    }

    /** The same settings with graph optimizations switched off (for inspecting the graph as written). */
    OnnxSessionSettings unoptimized() {
        return new OnnxSessionSettings(1, OrtSession.SessionOptions.OptLevel.NO_OPT, null);
    }

    private static int parseThreads(Object t) {
        int n;
        try {
            n = t instanceof Number num ? num.intValue() : Integer.parseInt(String.valueOf(t).trim());
        } catch (NumberFormatException e) {
            n = -1;
        }
        if (n < 1 || n > 1024) {
            throw new Pot4jException(ErrorCode.CONFIG_INVALID, "intra_op_threads must be a whole number >= 1, got '"
                    + t + "'");
        }
        return n;
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
