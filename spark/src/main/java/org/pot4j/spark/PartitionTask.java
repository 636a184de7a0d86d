package org.pot4j.spark;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.LongAccumulator;
import org.pot4j.api.Pot4jException;
import org.pot4j.engine.evaluation.executor.EvaluationTask;

/**
 * The Spark function of one pass: for each chunk id of its partition, runs that chunk's slice of the
 * {@link EvaluationTask} (whole batches, so each batch holds the same samples as locally) through the
 * executor JVM's {@link org.pot4j.engine.evaluation.executor.TaskRunner}, on its unpacked copy of
 * the broadcast model. Serialized with it: the task (plan JSON, dataset spec, sample indices).
 */
final class PartitionTask implements FlatMapFunction<Iterator<Integer>, ChunkResult> {
    private static final long serialVersionUID = 1L;

    private final Broadcast<ModelShipment> model;
    private final EvaluationTask task;
    private final int chunkSize;
    private final List<String> pluginDirs;
    private final LongAccumulator samplesInferred;

    PartitionTask(Broadcast<ModelShipment> model, EvaluationTask task, int chunkSize, List<String> pluginDirs,
            LongAccumulator samplesInferred) {
        this.samplesInferred = samplesInferred;
        this.model = model;
        this.task = task;
        this.chunkSize = chunkSize;
        this.pluginDirs = List.copyOf(pluginDirs);
    }

    @Override
    public Iterator<ChunkResult> call(Iterator<Integer> chunks) {
        List<ChunkResult> results = new ArrayList<>();
        while (chunks.hasNext()) {
            int chunk = chunks.next();
            int from = chunk * chunkSize;
            int to = Math.min(task.size(), from + chunkSize);
            try {
                EvaluationTask here = new EvaluationTask(ExecutorRuntime.unpacked(model.value()), task.planJson(), task.dataset(),
                        java.util.Arrays.copyOfRange(task.indices(), from, to), task.outputNames(), task.batchSize(), 1, task.stage());
                results.add(ChunkResult.ok(chunk, from, ExecutorRuntime.runner(pluginDirs).run(here)));
                samplesInferred.add(to - from);
            } catch (Pot4jException e) {
                results.add(ChunkResult.failed(chunk, from, e.code(), e.getMessage()));
            }
        }
        return results.iterator();
    }
}
