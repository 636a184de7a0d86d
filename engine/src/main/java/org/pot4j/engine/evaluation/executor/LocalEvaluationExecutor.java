package org.pot4j.engine.evaluation.executor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.Tensor;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.engine.evaluation.Compilation;
import org.pot4j.engine.evaluation.InferenceLoop;

/**
 * The default executor ({@code engine.executor.type: local}): runs the task in this JVM on the
 * live model and dataset, with {@code workers} parallel inference requests, through the engine's
 * one {@link InferenceLoop}.
 */
public final class LocalEvaluationExecutor implements EvaluationExecutor {
    /** The type name. */
    public static final String TYPE = "local";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public boolean inProcess() {
        return true;
    }

    @Override
    public void run(EvaluationTask task, LiveInputs live, OutputSink sink) {
        try (CompiledModel compiled = Compilation.compile(live.model(), live.plan(), Set.of(), concurrentRuns(task))) {
            OutputSelector select = new OutputSelector(task.outputNames(), compiled, task.stage());
            InferenceLoop.run(live.model(), compiled, live.dataset(), task.indices(),
                    new InferenceLoop.Options(task.batchSize(), task.workers(), task.stage(), live.progress(), live.check()),
                    (worker, batch) -> sink.accept(worker, batch.from(), select.outputs(batch), batch.samples()), null);
        }
    }

    /**
     * Runs in flight at once: the task's workers, but no more than it has batches (a pass of one
     * batch keeps every core for its one run). Two workers whose sessions each took every core kept
     * 3-4 threads busy on 2 cores (issue 15: MiniLM's validation pass 1.16 s with every core per
     * run, 0.95 s with one core each).
     */
    static int concurrentRuns(EvaluationTask task) {
        int batches = (task.size() + task.batchSize() - 1) / task.batchSize();
        return Math.max(1, Math.min(task.workers(), batches));
    }

    /** Picks the task's outputs, in order, from what the compiled model returned. */
    static final class OutputSelector {
        private final List<String> wanted;
        private final CompiledModel compiled;
        private final String stage;
        private volatile List<String> names;

        OutputSelector(List<String> wanted, CompiledModel compiled, String stage) {
            this.wanted = wanted;
            this.compiled = compiled;
            this.stage = stage;
        }

        List<List<Tensor>> outputs(InferenceLoop.Batch batch) {
            List<Map<String, Tensor>> split = batch.perSample();
            List<List<Tensor>> out = new ArrayList<>(split.size());
            for (Map<String, Tensor> one : split) {
                List<String> names = namesFor(one);
                List<Tensor> o = new ArrayList<>(names.size());
                for (String name : names) {
                    Tensor t = one.get(name);
                    if (t == null) {
                        throw new Pot4jException(ErrorCode.RUNTIME_FAILURE, "the compiled model returned no output '" + name
                                + "' (" + stage + "); it returned " + one.keySet());
                    }
                    o.add(t);
                }
                out.add(o);
            }
            return out;
        }

        /** The wanted names when the model returns them all, else (a backend renamed outputs) its first ones in order. */
        private List<String> namesFor(Map<String, Tensor> one) {
            List<String> n = names;
            if (n == null) {
                List<String> given = compiled.outputNames();
                n = one.keySet().containsAll(wanted) && !wanted.isEmpty() ? wanted
                        : given.subList(0, Math.max(1, Math.min(wanted.size(), given.size())));
                names = n;
            }
            return n;
        }
    }
}
