package org.pot4j.engine.algorithms.accuracyaware;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.metric.ValidationFunction;
import org.pot4j.api.model.Model;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.engine.evaluation.EvaluationRequest;
import org.pot4j.engine.evaluation.EvaluationResult;
import org.pot4j.engine.evaluation.Evaluator;

/**
 * Measures plans with an NNCF-style validation function: one value per plan. When the function
 * also gives per-sample values, they choose the ranking subset and candidates are ranked by the
 * function's value on it; otherwise both use the NMSE of the outputs to FP32 (as NNCF does).
 * Candidates scored by the function run one at a time: user code need not be thread-safe.
 */
final class FunctionProbe implements AccuracyProbe {
    private final Model model;
    private final Dataset validation;
    private final ValidationFunction function;
    private final boolean higherBetter;
    private final Evaluator evaluator;
    private final Evaluator quiet;

    FunctionProbe(Model model, Dataset validation, ValidationFunction function, boolean higherBetter,
            Evaluator evaluator, Evaluator quiet) {
        this.model = model;
        this.validation = validation;
        this.function = function;
        this.higherBetter = higherBetter;
        this.evaluator = evaluator;
        this.quiet = quiet;
    }

    @Override
    public EvaluationResult evaluate(QuantizationPlan plan, int[] indices, boolean perSample, boolean keepOutputs,
            Map<Integer, List<Tensor>> reference, String stage) {
        EvaluationResult r = evaluator.evaluateFunction(model, plan, validation, indices, function, higherBetter, perSample, stage);
        boolean noPerSample = perSample && r.perSample(Evaluator.VALIDATION_KEY) == null;
        boolean keep = keepOutputs || (noPerSample && plan.isEmpty());
        if (!keep && reference == null) {
            return r;
        }
        EvaluationRequest req = EvaluationRequest.of(plan, validation, List.of(), stage + " (outputs)").withIndices(indices)
                .withKeepOutputs(keep).withReference(reference);
        EvaluationResult o = plan.isEmpty() ? evaluator.fp32(model, req) : evaluator.evaluate(model, req);
        Map<String, double[]> ps = new HashMap<>();
        if (r.perSample(Evaluator.VALIDATION_KEY) != null) {
            ps.put(Evaluator.VALIDATION_KEY, r.perSample(Evaluator.VALIDATION_KEY));
        }
        return EvaluationResult.of(r.indices(), r.keys(), r.aggregate(), ps, o.outputs(), o.distances(), r.seconds() + o.seconds());
    }

    @Override
    public boolean keepFp32Outputs() {
        return false;
    }

    @Override
    public CandidateScore score(QuantizationPlan plan, int[] subset, ControlledMetric focus,
            Map<Integer, List<Tensor>> fp32SubsetOutputs) {
        if (focus.perSample()) {
            EvaluationResult r = quiet.evaluateFunction(model, plan, validation, subset, function, higherBetter, false,
                    "rank candidate");
            double v = r.aggregate().get(Evaluator.VALIDATION_KEY);
            return new CandidateScore(focus.orientation() * v, v, Double.NaN);
        }
        return score(model, validation, plan, subset, focus, fp32SubsetOutputs, 1);
    }

    /** Ranking by NMSE needs only the outputs, so a suffix can produce them; the user's function never sees a suffix. */
    @Override
    public boolean suffixScoring(ControlledMetric focus) {
        return !focus.perSample();
    }

    @Override
    public CandidateScore score(Model on, Dataset data, QuantizationPlan plan, int[] subset, ControlledMetric focus,
            Map<Integer, List<Tensor>> fp32SubsetOutputs, int workers) {
        EvaluationResult r = quiet.evaluate(on, EvaluationRequest.of(plan, data, List.of(), "rank candidate")
                .withIndices(subset).withReference(fp32SubsetOutputs).withWorkers(Math.max(1, workers)));
        double nmse = MetricsProbe.mean(r.distances());
        return new CandidateScore(-nmse, Double.NaN, nmse);
    }

    @Override
    public boolean parallelScoring(ControlledMetric focus) {
        return !focus.perSample();
    }

    @Override
    public String describe() {
        return "validation_function:" + (higherBetter ? "higher-better" : "higher-worse");
    }
}
