package org.pot4j.backend.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ONNX Runtime's environment (one per process), created with one global intra-op thread pool that
 * every session shares ({@link OnnxSessionSettings#usesSharedPool}). With a pool per session, N
 * concurrent runs (the engine's evaluation workers, AccuracyAware's ranking candidates, each on
 * its own session) each bring cores threads that spin while waiting: 2N threads on the cores. One
 * shared pool keeps the threads at the core count however many sessions run at once; a single
 * stream (benchmark) gets the same pool size a per-session pool has.
 *
 * <p>The pool is sized from the cores the JVM sees at run time. {@code -Dpot4j.onnx.threadPool=session}
 * keeps one pool per session (as before), {@code shared-nospin} shares a pool whose threads block
 * instead of spinning. When something else in the process created the environment first (it is a
 * singleton and cannot be given threading options afterwards), sessions keep their own pools.
 */
final class OnnxEnvironment {
    private static final Logger LOG = LoggerFactory.getLogger(OnnxEnvironment.class);
    /** Logging level and name {@link OrtEnvironment#getEnvironment()} uses. */
    private static final OrtLoggingLevel LEVEL = OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING;

    /** The environment and whether its sessions may use its shared intra-op pool. */
    record Shared(OrtEnvironment env, boolean sharedPool) {
    }

    private static Shared instance;

    private OnnxEnvironment() {
    }

    /** The process's environment, created with a shared pool unless configured otherwise or already created. */
    static synchronized Shared get() {
        if (instance == null) {
            instance = create(System.getProperty("pot4j.onnx.threadPool", "shared").toLowerCase(Locale.ROOT),
                    Runtime.getRuntime().availableProcessors());
        }
        return instance;
    }

    private static Shared create(String mode, int cores) {
        if (mode.equals("session")) {
            return new Shared(OrtEnvironment.getEnvironment(), false);
        }
        try (OrtEnvironment.ThreadingOptions t = new OrtEnvironment.ThreadingOptions()) {
            t.setGlobalIntraOpNumThreads(cores);
            // sessions run sequentially inside (ORT's default execution mode): no inter-op threads needed
            t.setGlobalInterOpNumThreads(1);
            if (mode.equals("shared-nospin")) {
                t.setGlobalSpinControl(false);
            }
            OrtEnvironment env = OrtEnvironment.getEnvironment(LEVEL, OrtEnvironment.DEFAULT_NAME, t);
            LOG.debug("ONNX Runtime environment with one intra-op pool of {} threads shared by all sessions ({})", cores, mode);
            return new Shared(env, true);
        } catch (IllegalStateException e) {
            // created before us (a singleton): its sessions need their own pools
            LOG.debug("ONNX Runtime environment created elsewhere ({}); sessions keep their own thread pools", e.getMessage());
            return new Shared(OrtEnvironment.getEnvironment(), false);
        } catch (OrtException e) {
            LOG.debug("ONNX Runtime threading options refused ({}); sessions keep their own thread pools", e.getMessage());
            return new Shared(OrtEnvironment.getEnvironment(), false);
        }
    }
}
