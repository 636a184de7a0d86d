package org.pot4j.engine.evaluation.executor;

import java.util.Map;
import java.util.Set;

/**
 * Creates {@link EvaluationExecutor}s of one {@code engine.executor.type}; found by
 * {@link java.util.ServiceLoader} ({@code META-INF/services/
 * org.pot4j.engine.evaluation.executor.EvaluationExecutorProvider}) on the class path and in the
 * {@code plugins/} folders. The engine ships {@code local}; the {@code spark} module adds
 * {@code spark}. It lives in the engine, not the api, because an executor re-creates engine
 * objects (model loading, dataset readers, {@link TaskRunner}) on its workers.
 */
public interface EvaluationExecutorProvider {
    /** The config's {@code engine.executor.type}, e.g. {@code local}, {@code spark}. */
    String type();

    /** Keys this executor takes besides {@code type} (checked when the config loads, with "did you mean"). */
    Set<String> parameterNames();

    /**
     * Checks the parameters without starting anything (called when the config loads).
     *
     * @throws org.pot4j.api.Pot4jException {@code CONFIG_INVALID} naming the key and the fix
     */
    default void checkParameters(Map<String, Object> params) {
    }

    /** An executor for {@code params} (the {@code engine.executor} object without {@code type}). */
    EvaluationExecutor create(Map<String, Object> params);
}
