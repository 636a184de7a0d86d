package org.pot4j.api;

/**
 * Receives progress of long work (statistics pass, evaluation, ranking). The CLI draws a bar with
 * an ETA; the library logs. Implementations must be thread-safe: evaluation may report from
 * worker threads.
 */
public interface ProgressListener {
    /** A listener that ignores everything. */
    ProgressListener NONE = new ProgressListener() {
        @Override
        public void stageStarted(String stage, long total) {
        }

        @Override
        public void progress(String stage, long done, long total) {
        }

        @Override
        public void stageFinished(String stage) {
        }
    };

    /** A stage of {@code total} work units begins ({@code total} may be 0 when unknown). */
    void stageStarted(String stage, long total);

    /** {@code done} of {@code total} units of {@code stage} are finished. */
    void progress(String stage, long done, long total);

    /** The stage is over. */
    void stageFinished(String stage);

    /** A free-form message for the user (e.g. an iteration result). Ignored by default. */
    default void message(String text) {
    }
}
