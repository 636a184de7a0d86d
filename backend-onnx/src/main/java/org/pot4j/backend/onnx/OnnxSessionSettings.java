package org.pot4j.backend.onnx;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

/**
 * The ONNX Runtime session settings a model runs with: the defaults (all optimizations, one intra-op
 * thread per available processor) overridden by the backend's and then the model's
 * {@link OnnxLoadOptions}.
 */
record OnnxSessionSettings(int intraOpThreads, OrtSession.SessionOptions.OptLevel optimizationLevel,
                           String optimizedModelPath) {
    /** Defaults: all optimizations, one thread per available processor. */
    static OnnxSessionSettings defaults() {
        return new OnnxSessionSettings(Runtime.getRuntime().availableProcessors(),
                OrtSession.SessionOptions.OptLevel.ALL_OPT, null);
    }

    /** These settings overridden by the options {@code options} gives (null: unchanged). */
    OnnxSessionSettings with(OnnxLoadOptions options) {
        if (options == null) {
            return this;
        }
        Integer threads = options.threadCount();
        OrtSession.SessionOptions.OptLevel level = options.level();
        return new OnnxSessionSettings(threads != null ? threads : intraOpThreads,
                level != null ? level : optimizationLevel,
                options.optimizedModelPath() != null ? options.optimizedModelPath() : optimizedModelPath);
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
}
