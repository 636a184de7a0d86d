package org.pot4j.engine.algorithms.accuracyaware;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.metric.Metric;
import org.pot4j.api.model.Model;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.engine.evaluation.EvaluationRequest;
import org.pot4j.engine.evaluation.EvaluationResult;
import org.pot4j.engine.evaluation.Evaluator;

/** Measures plans with the configured POT-style metrics through the {@link Evaluator}. */
final class MetricsProbe implements AccuracyProbe {
    private final Model model;
    private final Dataset validation;
    private final List<Supplier<Metric>> metrics;
    private final Evaluator evaluator;
    private final Evaluator quiet;
    private Boolean keepOutputs;

    /**
     * @param evaluator reports progress (full passes)
     * @param quiet     used for ranking candidates, whose progress the ranker reports as a whole
     */
    MetricsProbe(Model model, Dataset validation, List<Supplier<Metric>> metrics, Evaluator evaluator, Evaluator quiet) {
        this.model = model;
        this.validation = validation;
        this.metrics = List.copyOf(metrics);
        this.evaluator = evaluator;
        this.quiet = quiet;
    }

    @Override
    public EvaluationResult evaluate(QuantizationPlan plan, int[] indices, boolean perSample, boolean keep,
            Map<Integer, List<Tensor>> reference, String stage) {
        EvaluationRequest r = EvaluationRequest.of(plan, validation, metrics, stage).withIndices(indices)
                .withKeepOutputs(keep).withReference(reference);
        return plan.isEmpty() ? evaluator.fp32(model, r) : evaluator.evaluate(model, r);
    }

    @Override
    public synchronized boolean keepFp32Outputs() {
        if (keepOutputs == null) {
            boolean any = false;
            for (Supplier<Metric> s : metrics) {
                Metric m = s.get();
                any |= m != null && !m.perSample();
            }
            keepOutputs = any;
        }
        return keepOutputs;
    }

    @Override
    public CandidateScore score(QuantizationPlan plan, int[] subset, ControlledMetric focus,
            Map<Integer, List<Tensor>> fp32SubsetOutputs) {
        return score(model, validation, plan, subset, focus, fp32SubsetOutputs, 1);
    }

    @Override
    public boolean suffixScoring(ControlledMetric focus) {
        return true;
    }

    @Override
    public CandidateScore score(Model on, Dataset data, QuantizationPlan plan, int[] subset, ControlledMetric focus,
            Map<Integer, List<Tensor>> fp32SubsetOutputs, int workers) {
        List<Supplier<Metric>> only = focus.perSample() ? List.of(metrics.get(focus.metricIndex())) : List.of();
        EvaluationResult r = quiet.evaluate(on, EvaluationRequest.of(plan, data, only, "rank candidate")
                .withIndices(subset).withReference(fp32SubsetOutputs).withWorkers(Math.max(1, workers)));
        double nmse = mean(r.distances());
        if (!focus.perSample()) {
            return new CandidateScore(-nmse, Double.NaN, nmse);
        }
        double sum = 0;
        for (double v : r.perSample(focus.name())) {
            sum += v;
        }
        return new CandidateScore(focus.orientation() * sum, sum, nmse);
    }

    @Override
    public boolean parallelScoring(ControlledMetric focus) {
        return true;
    }

    @Override
    public String describe() {
        return "metrics:" + metrics.size();
    }

    static double mean(double[] values) {
        if (values == null || values.length == 0) {
            return Double.NaN;
        }
        double s = 0;
        for (double v : values) {
            s += v;
        }
        return s / values.length;
    }
}
