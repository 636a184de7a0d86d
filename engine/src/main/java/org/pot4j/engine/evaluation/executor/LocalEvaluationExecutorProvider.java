package org.pot4j.engine.evaluation.executor;

import org.pot4j.api.param.NoParameters;

/** Provides the {@code local} executor (takes no parameters). */
public final class LocalEvaluationExecutorProvider implements EvaluationExecutorProvider<NoParameters> {
    @Override
    public String type() {
        return LocalEvaluationExecutor.TYPE;
    }

    @Override
    public Class<NoParameters> parameters() {
        return NoParameters.class;
    }

    @Override
    public EvaluationExecutor create(NoParameters params) {
        return new LocalEvaluationExecutor();
    }
}
