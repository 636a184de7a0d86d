package org.pot4j.engine.evaluation.executor;

import java.util.Map;
import java.util.Set;

/** Provides the {@code local} executor (takes no parameters). */
public final class LocalEvaluationExecutorProvider implements EvaluationExecutorProvider {
    @Override
    public String type() {
        return LocalEvaluationExecutor.TYPE;
    }

    @Override
    public Set<String> parameterNames() {
        return Set.of();
    }

    @Override
    public EvaluationExecutor create(Map<String, Object> params) {
        return new LocalEvaluationExecutor();
    }
}
