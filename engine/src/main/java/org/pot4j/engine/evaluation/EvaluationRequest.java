package org.pot4j.engine.evaluation;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.metric.Metric;
import org.pot4j.api.quant.QuantizationPlan;

/**
 * One evaluation pass to run: a plan on (some samples of) a dataset with metrics. Build it with
 * {@link #of} and the {@code with*} methods.
 *
 * @param plan         the plan to compile ({@link QuantizationPlan#EMPTY} = FP32)
 * @param dataset      the data, with annotations when metrics are given
 * @param indices      which samples, in this order; null = all
 * @param metrics      metric factories (one fresh instance per worker and one for the aggregate); may be empty
 * @param stage        progress stage name, e.g. {@code "evaluate int8 (iteration 3)"}
 * @param keepOutputs  keep every sample's model outputs in the result
 * @param reference    reference outputs by dataset index; the result then holds each sample's NMSE to them
 * @param workers      parallel workers, 0 = the evaluator's default
 * @param batchSize    samples per batch, 0 = the model's ({@link org.pot4j.engine.data.Batches#batchSizeFor(org.pot4j.api.model.Model)})
 */
public record EvaluationRequest(QuantizationPlan plan, Dataset dataset, int[] indices, List<Supplier<Metric>> metrics,
        String stage, boolean keepOutputs, Map<Integer, List<Tensor>> reference, int workers, int batchSize) {
    /** Validates. */
    public EvaluationRequest {
        if (batchSize < 0) {
            throw new IllegalArgumentException("batchSize must be >= 0: " + batchSize);
        }
        Objects.requireNonNull(plan, "plan");
        Objects.requireNonNull(dataset, "dataset");
        metrics = metrics == null ? List.of() : List.copyOf(metrics);
        stage = stage == null ? "evaluate" : stage;
        indices = indices == null ? null : indices.clone();
        if (workers < 0) {
            throw new IllegalArgumentException("workers must be >= 0: " + workers);
        }
    }

    /** A request in the model's batch size. */
    public EvaluationRequest(QuantizationPlan plan, Dataset dataset, int[] indices, List<Supplier<Metric>> metrics,
            String stage, boolean keepOutputs, Map<Integer, List<Tensor>> reference, int workers) {
        this(plan, dataset, indices, metrics, stage, keepOutputs, reference, workers, 0);
    }

    /** A pass over all of {@code dataset} with {@code metrics}. */
    public static EvaluationRequest of(QuantizationPlan plan, Dataset dataset, List<Supplier<Metric>> metrics, String stage) {
        return new EvaluationRequest(plan, dataset, null, metrics, stage, false, null, 0);
    }

    /** The same pass restricted to {@code indices} (null = all). */
    public EvaluationRequest withIndices(int[] newIndices) {
        return new EvaluationRequest(plan, dataset, newIndices, metrics, stage, keepOutputs, reference, workers, batchSize);
    }

    /** The same pass keeping the outputs (or not). */
    public EvaluationRequest withKeepOutputs(boolean keep) {
        return new EvaluationRequest(plan, dataset, indices, metrics, stage, keep, reference, workers, batchSize);
    }

    /** The same pass measuring the NMSE to {@code ref} (by dataset index). */
    public EvaluationRequest withReference(Map<Integer, List<Tensor>> ref) {
        return new EvaluationRequest(plan, dataset, indices, metrics, stage, keepOutputs, ref, workers, batchSize);
    }

    /** The same pass with {@code n} workers (0 = default). */
    public EvaluationRequest withWorkers(int n) {
        return new EvaluationRequest(plan, dataset, indices, metrics, stage, keepOutputs, reference, n, batchSize);
    }

    /** The same pass in batches of {@code n} samples (0 = the model's batch size). */
    public EvaluationRequest withBatchSize(int n) {
        return new EvaluationRequest(plan, dataset, indices, metrics, stage, keepOutputs, reference, workers, n);
    }

    /** The same pass under another stage name. */
    public EvaluationRequest withStage(String newStage) {
        return new EvaluationRequest(plan, dataset, indices, metrics, newStage, keepOutputs, reference, workers, batchSize);
    }
}
