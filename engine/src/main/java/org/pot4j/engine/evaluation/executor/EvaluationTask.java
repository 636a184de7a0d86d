package org.pot4j.engine.evaluation.executor;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.engine.config.PlanJson;

/**
 * One inference pass as data, so it can run on another JVM: which model (how to load it), which
 * plan (its stable JSON form, {@link PlanJson}), which dataset (how to open it), which samples in
 * which order, and what to return (the per-sample tensors of {@code outputNames}, the inputs
 * metrics take). Nothing in it is a live object; a remote executor serializes it as it is, splits
 * it into partitions with {@link #slice}, and re-creates the rest with {@link TaskRunner}.
 *
 * @param model       how to load the model; null when the model was not loaded through the engine
 *                    (then only an in-process executor can run the task)
 * @param planJson    the plan, {@link PlanJson#write} form
 * @param dataset     how to open the dataset; null when it was built in code (in-process only)
 * @param indices     dataset indices to run, in this order; results come back in this order
 * @param outputNames model outputs to return per sample, in this order
 * @param batchSize   samples per batch (a model with a fixed batch dimension runs in that size)
 * @param workers     parallel inference requests inside one executor (POT's {@code eval_requests_number})
 * @param stage       progress stage name, also named in errors
 */
public record EvaluationTask(ModelDescriptor model, String planJson, DatasetDescriptor dataset, int[] indices,
                             List<String> outputNames, int batchSize, int workers, String stage) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Validates and copies. */
    public EvaluationTask {
        Objects.requireNonNull(planJson, "planJson");
        Objects.requireNonNull(indices, "indices");
        Objects.requireNonNull(stage, "stage");
        indices = indices.clone();
        outputNames = List.copyOf(outputNames);
        batchSize = Math.max(1, batchSize);
        workers = Math.max(1, workers);
    }

    /** A task for {@code plan}. */
    public static EvaluationTask of(ModelDescriptor model, QuantizationPlan plan, DatasetDescriptor dataset, int[] indices,
                                    List<String> outputNames, int batchSize, int workers, String stage) {
        return new EvaluationTask(model, PlanJson.write(plan), dataset, indices, outputNames, batchSize, workers, stage);
    }

    /** Whether another JVM can re-create the model and the dataset. */
    public boolean remotable() {
        return model != null && dataset != null;
    }

    /** The plan. */
    public QuantizationPlan plan() {
        return PlanJson.read(planJson);
    }

    /** Number of samples. */
    public int size() {
        return indices.length;
    }

    /**
     * The part of this task for positions {@code from} (inclusive) to {@code to} (exclusive) of
     * {@link #indices}: a partition. Start partitions at multiples of {@link #batchSize} so every
     * batch holds the same samples as in a local run (results are then bit-identical).
     */
    public EvaluationTask slice(int from, int to) {
        return new EvaluationTask(model, planJson, dataset, Arrays.copyOfRange(indices, from, to), outputNames, batchSize,
                workers, stage);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EvaluationTask t && Objects.equals(model, t.model) && planJson.equals(t.planJson)
                && Objects.equals(dataset, t.dataset) && Arrays.equals(indices, t.indices)
                && outputNames.equals(t.outputNames) && batchSize == t.batchSize && workers == t.workers
                && stage.equals(t.stage);
    }

    @Override
    public int hashCode() {
        return Objects.hash(model, planJson, dataset, Arrays.hashCode(indices), outputNames, batchSize, workers, stage);
    }

    @Override
    public String toString() {
        return "EvaluationTask[" + stage + ", " + indices.length + " samples, model " + model + ", dataset " + dataset + "]";
    }
}
