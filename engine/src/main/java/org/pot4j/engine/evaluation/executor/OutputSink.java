package org.pot4j.engine.evaluation.executor;

import java.util.List;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Sample;

/** Receives the per-sample outputs of an {@link EvaluationTask} as they are computed. */
@FunctionalInterface
public interface OutputSink {
    /**
     * Outputs of the samples at positions {@code from .. from + outputs.size() - 1} of the task's
     * {@code indices}. Calls may come from several threads at once and in any order; the caller
     * orders them by {@code from}.
     *
     * @param worker  0-based id of the worker that produced them (stable for one thread)
     * @param from    position of the first sample in the task's index array
     * @param outputs each sample's tensors of the task's {@code outputNames}, batch dimension 1
     * @param samples the samples as the executor read them when it ran in-process, else null (the
     *                caller then reads the annotations itself)
     */
    void accept(int worker, int from, List<List<Tensor>> outputs, List<Sample> samples);
}
