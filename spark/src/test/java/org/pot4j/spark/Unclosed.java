package org.pot4j.spark;

import org.pot4j.engine.evaluation.executor.EvaluationExecutor;
import org.pot4j.engine.evaluation.executor.EvaluationTask;
import org.pot4j.engine.evaluation.executor.LiveInputs;
import org.pot4j.engine.evaluation.executor.OutputSink;

/** An executor view whose close() does nothing, so one Spark context serves several useExecutor() scopes of a test class. */
record Unclosed(EvaluationExecutor executor) implements EvaluationExecutor {
    @Override
    public String type() {
        return executor.type();
    }

    @Override
    public boolean inProcess() {
        return executor.inProcess();
    }

    @Override
    public void run(EvaluationTask task, LiveInputs live, OutputSink sink) {
        executor.run(task, live, sink);
    }

    @Override
    public void close() {
    }
}
