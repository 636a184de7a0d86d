package org.pot4j.engine.evaluation.executor;

import org.pot4j.api.param.Parameters;

/**
 * Creates {@link EvaluationExecutor}s of one {@code engine.executor.type}; found by
 * {@link java.util.ServiceLoader} ({@code META-INF/services/
 * org.pot4j.engine.evaluation.executor.EvaluationExecutorProvider}) on the class path and in the
 * {@code plugins/} folders. The engine ships {@code local}; the {@code spark} module adds
 * {@code spark}. It lives in the engine, not the api, because an executor re-creates engine
 * objects (model loading, dataset readers, {@link TaskRunner}) on its workers.
 *
 * <p>The {@code engine.executor} keys besides {@code type} are a record {@code P}
 * ({@link Parameters}'s convention) the engine's binder fills when the config loads.
 *
 * @param <P> the parameter record
 */
public interface EvaluationExecutorProvider<P extends Record> {
    /** The config's {@code engine.executor.type}, e.g. {@code local}, {@code spark}. */
    String type();

    /** The record the {@code engine.executor} keys besides {@code type} are bound to. */
    Class<P> parameters();

    /** An executor for these (already bound and checked) parameters. */
    EvaluationExecutor create(P params);
}
