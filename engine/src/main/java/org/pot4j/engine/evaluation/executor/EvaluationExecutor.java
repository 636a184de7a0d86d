package org.pot4j.engine.evaluation.executor;

/**
 * Where evaluation inference runs: in this JVM ({@link LocalEvaluationExecutor}) or on other
 * machines (issue 14's Spark executor in the {@code spark} module). The
 * {@link org.pot4j.engine.evaluation.Evaluator} owns metrics, caches and ordering; an executor only
 * turns an {@link EvaluationTask} into per-sample outputs, so metric values, rankings and reverted
 * nodes are the same whichever executor ran the inference.
 *
 * <p>A remote executor works from the task alone (it is {@link java.io.Serializable}); on each
 * worker {@link TaskRunner#run} loads the model through the same backend plugin, opens the dataset
 * through the same {@code DatasetProvider} and runs the engine's one {@link
 * org.pot4j.engine.evaluation.InferenceLoop}. It must start partitions at multiples of the task's
 * batch size, so every batch holds the same samples as locally. Errors come back as the
 * {@link org.pot4j.api.Pot4jException} the worker threw (same code, same message).
 */
public interface EvaluationExecutor extends AutoCloseable {
    /** The {@code engine.executor.type} this executor implements. */
    String type();

    /**
     * Whether the executor runs in this JVM on the {@link LiveInputs}; when false, the evaluator
     * hands it only tasks whose {@link EvaluationTask#remotable()} is true and runs the others
     * locally.
     */
    boolean inProcess();

    /**
     * Runs the task, handing every sample's outputs to {@code sink} (see {@link OutputSink} for
     * threads and order). Returns when every sample was handed over, or throws.
     */
    void run(EvaluationTask task, LiveInputs live, OutputSink sink);

    /** Releases the executor's resources (a cluster session, cached data). */
    @Override
    default void close() {
    }
}
