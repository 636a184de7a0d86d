package org.pot4j.backend.onnx;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

/**
 * The ONNX Runtime session settings a model runs with: the defaults (all optimizations, the
 * backend's choice of threads) overridden by the backend's and then the model's {@link OnnxLoadOptions}.
 *
 * @param intraOpThreads     intra-op threads the user asked for, or null for the backend's choice: the
 *                           environment's shared pool when it has one ({@code sharedPool}), else one per
 *                           available processor
 * @param sharedPool         the environment was created with a global intra-op pool ({@link OnnxEnvironment})
 */
record OnnxSessionSettings(Integer intraOpThreads, OrtSession.SessionOptions.OptLevel optimizationLevel,
                           String optimizedModelPath, boolean sharedPool) {
    /** Defaults: all optimizations, one thread per available processor in each session's own pool. */
    static OnnxSessionSettings defaults() {
        return new OnnxSessionSettings(null, OrtSession.SessionOptions.OptLevel.ALL_OPT, null, false);
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
                options.optimizedModelPath() != null ? options.optimizedModelPath() : optimizedModelPath, sharedPool);
    }

    /** The same settings in an environment with ({@code true}) or without a shared intra-op pool. */
    OnnxSessionSettings withSharedPool(boolean shared) {
        return new OnnxSessionSettings(intraOpThreads, optimizationLevel, optimizedModelPath, shared);
    }

    /**
     * True when sessions run on the environment's shared pool: no thread count was asked for and the
     * environment has one.
     */
    boolean usesSharedPool() {
        return intraOpThreads == null && sharedPool;
    }

    /**
     * The settings for a session that will run {@code concurrentRuns} times at once (the engine's hint):
     * without a thread count asked for, its own pool of max(1, {@code cores} / concurrentRuns) threads, so the
     * runs together use the cores once (on 2 cores, 2 runs: one thread each, no pool thread spinning beside
     * them); unchanged for a single run or an explicit thread count.
     */
    OnnxSessionSettings forConcurrentRuns(int concurrentRuns, int cores) {
        if (intraOpThreads != null || concurrentRuns <= 1) {
            return this;
        }
        return new OnnxSessionSettings(Math.max(1, cores / concurrentRuns), optimizationLevel, optimizedModelPath, sharedPool);
    }

    /** A new SessionOptions; the caller closes it. */
    OrtSession.SessionOptions toSessionOptions() throws OrtException {
        OrtSession.SessionOptions o = new OrtSession.SessionOptions();
        try {
            if (usesSharedPool()) {
                // every session and every concurrent run shares the environment's threads: no pool per
                // session, so concurrent runs (evaluation workers, ranking candidates) cannot oversubscribe the cores
                o.disablePerSessionThreads();
            } else {
                o.setIntraOpNumThreads(intraOpThreads != null ? intraOpThreads : Runtime.getRuntime().availableProcessors());
            }
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
        return new OnnxSessionSettings(intraOpThreads, optimizationLevel, path, sharedPool);
    }

    /** The same settings with graph optimizations switched off (for inspecting the graph as written). */
    OnnxSessionSettings unoptimized() {
        return new OnnxSessionSettings(1, OrtSession.SessionOptions.OptLevel.NO_OPT, null, sharedPool);
    }
}
