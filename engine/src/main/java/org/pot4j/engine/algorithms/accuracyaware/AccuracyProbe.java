package org.pot4j.engine.algorithms.accuracyaware;

import java.util.List;
import java.util.Map;
import org.pot4j.api.Tensor;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.engine.evaluation.EvaluationResult;

/**
 * How AccuracyAware measures a plan: with the configured metrics (POT) or with a user validation
 * function (NNCF). The search itself does not care which.
 */
interface AccuracyProbe {
    /**
     * Measures {@code plan} on the validation samples {@code indices} (null = all).
     *
     * @param perSample   per-sample values are wanted (for the ranking subset)
     * @param keepOutputs keep the model outputs (FP32 reference for NMSE)
     * @param reference   FP32 outputs by dataset index: measure each sample's NMSE to them
     */
    EvaluationResult evaluate(QuantizationPlan plan, int[] indices, boolean perSample, boolean keepOutputs,
            Map<Integer, List<Tensor>> reference, String stage);

    /** True when the FP32 pass should keep its outputs because some metric has no per-sample values. */
    boolean keepFp32Outputs();

    /** Scores a candidate plan on the ranking subset for {@code focus}. */
    CandidateScore score(QuantizationPlan plan, int[] subset, ControlledMetric focus,
            Map<Integer, List<Tensor>> fp32SubsetOutputs);

    /**
     * Scores a candidate plan with {@code model} (a suffix of the probe's model) run on {@code data}
     * (the probe's validation samples, fed with the tensors that suffix reads); the same score as
     * {@link #score} would give, run on {@code workers} inference workers (the score does not depend on
     * them). Only called when {@link #suffixScoring} is true.
     */
    default CandidateScore score(org.pot4j.api.model.Model model, org.pot4j.api.data.Dataset data, QuantizationPlan plan,
            int[] subset, ControlledMetric focus, Map<Integer, List<Tensor>> fp32SubsetOutputs, int workers) {
        throw new UnsupportedOperationException("no suffix scoring for " + describe());
    }

    /** True when candidates may be scored by {@link #score(org.pot4j.api.model.Model, org.pot4j.api.data.Dataset,
     * QuantizationPlan, int[], ControlledMetric, Map, int)} (metrics see outputs only; a user function sees the model). */
    default boolean suffixScoring(ControlledMetric focus) {
        return false;
    }

    /** True when candidates may be scored concurrently (user validation functions may not be thread-safe). */
    boolean parallelScoring(ControlledMetric focus);

    /** What identifies this probe in a checkpoint fingerprint. */
    String describe();
}
