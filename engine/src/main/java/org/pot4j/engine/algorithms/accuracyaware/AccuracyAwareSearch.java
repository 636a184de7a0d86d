package org.pot4j.engine.algorithms.accuracyaware;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.ProgressListener;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.QuantizableNode;
import org.pot4j.api.quant.AlgorithmContext;
import org.pot4j.api.quant.QuantizationAlgorithm;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.engine.algorithms.accuracyaware.AccuracyAwareParams.MetricSelection;
import org.pot4j.engine.algorithms.accuracyaware.SearchState.IterationRecord;
import org.pot4j.engine.algorithms.accuracyaware.SearchState.RankingRecord;
import org.pot4j.engine.algorithms.AlgorithmSupport;
import org.pot4j.engine.evaluation.EvaluationRequest;
import org.pot4j.engine.evaluation.EvaluationResult;
import org.pot4j.engine.evaluation.Evaluator;
import org.pot4j.engine.evaluation.MetricKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The AccuracyAware search (POT steps 1-7) over a {@link SearchState}: initialization (base plan,
 * FP32/INT8 evaluation, ranking subset, first ranking), then revert-evaluate iterations with
 * re-ranking, checkpointing after each.
 */
final class AccuracyAwareSearch {
    /** Drops within this of maximal_drop count as met (0.95 - 0.94 is 0.010000000000000009). */
    static final double DROP_TOLERANCE = 1e-9;
    /** A configured baseline_value further than this fraction from the measured FP32 value is not trusted. */
    static final double BASELINE_TOLERANCE = 0.10;

    private static final Logger LOG = LoggerFactory.getLogger(AccuracyAwareSearch.class);

    final Model model;
    private final AlgorithmContext context;
    final AccuracyAwareParams params;
    final AccuracyProbe probe;
    private final QuantizationAlgorithm base;
    final Dataset validation;
    private final Evaluator evaluator;
    final NodeReverter reverter;
    final LayerRanker ranker;
    private final Checkpoint checkpoint;
    private final String fingerprint;
    final ProgressListener progress;
    private final long sessionStart = System.nanoTime();
    final long deadline;
    private Map<Integer, List<Tensor>> fp32SubsetOutputs;

    AccuracyAwareSearch(Model model, AlgorithmContext context, AccuracyAwareParams params, AccuracyProbe probe,
            QuantizationAlgorithm base, Dataset validation, Evaluator evaluator, Checkpoint checkpoint, String fingerprint) {
        this.model = model;
        this.context = context;
        this.params = params;
        this.probe = probe;
        this.base = base;
        this.validation = validation;
        this.evaluator = evaluator;
        this.checkpoint = checkpoint;
        this.fingerprint = fingerprint;
        this.progress = context.progress() == null ? ProgressListener.NONE : context.progress();
        this.reverter = new NodeReverter(model.quantizableNodes());
        this.ranker = new LayerRanker(reverter, probe, progress, params.rankingWorkers(),
                params.useSuffixRuns() // false: whole-model runs only (to measure what suffix runs save)
                        ? new SuffixScoring(model, validation, evaluator, SuffixScoring.defaultBudget()) : null,
                model, validation, evaluator.executor().inProcess());
        double budget = Math.min(params.maxTimeSeconds() * 1e9, Long.MAX_VALUE / 4.0);
        this.deadline = sessionStart + (long) budget;
    }

    /** Steps 1-4: base plan, baseline and INT8 values, ranking subset, first ranking. */
    SearchState initialize() {
        SearchState st = new SearchState();
        int n = validation.size();
        st.validationSize = n;
        st.ranking = params.exactRanking() ? "exact" : "fast";

        long tb = System.nanoTime();
        // in a pipeline (e.g. [DefaultQuantization, AccuracyAwareQuantization]) the previous plan is the base
        QuantizationPlan previous = AlgorithmSupport.previousPlan(context).filter(p -> !p.isEmpty()).orElse(null);
        QuantizationPlan basePlan = previous != null ? previous : runBase(params.baseParams(), "");
        st.baseSeconds += (System.nanoTime() - tb) / 1e9;

        boolean allBaselines = !params.metrics().isEmpty() && params.metrics().stream().allMatch(m -> m.baselineValue() != null);
        int[] all = IntStream.range(0, n).toArray();
        int[] comparison = allBaselines ? RankingSubset.evenlySpaced(n, (int) Math.ceil(params.metricSubsetRatio() * n)) : all;
        st.comparisonSize = comparison.length;
        EvaluationResult fp32 = probe.evaluate(QuantizationPlan.EMPTY, allBaselines ? comparison : null, true,
                probe.keepFp32Outputs(), null, "evaluate fp32");
        st.initialPasses++;
        st.initialSeconds += fp32.seconds();
        st.controlled = controlled(fp32, st);

        Map<Integer, List<Tensor>> reference = fp32.outputs() == null ? null : byIndex(fp32.indices(), fp32.outputs());
        EvaluationResult int8 = probe.evaluate(basePlan, null, true, false, reference, "evaluate int8");
        st.initialPasses++;
        st.initialSeconds += int8.seconds();
        // a unit of the report's "in validation passes" figures: this pass always runs the model on every
        // validation sample (a plan's pass is never taken from a cache), while the FP32 pass above may only
        // run the metrics on cached FP32 outputs (annotation: fp32_output) and take almost no time
        st.initialPassTimes.add(int8.seconds());
        st.initialValues = values(st, int8);
        st.initialDrops = drops(st, st.initialValues);
        st.initialObjective = objective(st.initialDrops);
        setCurrent(st, basePlan, st.initialValues);
        setBest(st, 0);
        message("FP32 " + format(baselines(st)) + ", INT8 " + format(st.initialValues) + ", drop "
                + format(st.initialDrops) + " (maximal_drop " + params.maximalDrop() + ")");

        boolean alreadyMixed = "mixed".equalsIgnoreCase(String.valueOf(params.baseParams().get("preset")));
        if (!met(st.currentObjective) && params.convertToMixedPreset() && alreadyMixed) {
            // POT converts a symmetric (performance) model to mixed; a mixed one has nothing to convert
            st.mixedSkipped = true;
            message("convert_to_mixed_preset skipped: the preset is already mixed");
        }
        if (!met(st.currentObjective) && params.convertToMixedPreset() && !alreadyMixed) {
            Map<String, Object> mixed = new LinkedHashMap<>(params.baseParams());
            mixed.put("preset", "mixed");
            tb = System.nanoTime();
            QuantizationPlan mixedPlan = runBase(mixed, " (mixed preset)");
            st.baseSeconds += (System.nanoTime() - tb) / 1e9;
            EvaluationResult m = probe.evaluate(mixedPlan, null, true, false, reference, "evaluate int8 (mixed preset)");
            st.initialPasses++;
            st.initialSeconds += m.seconds();
            st.initialPassTimes.add(m.seconds());
            st.convertedToMixed = true;
            st.mixedValues = values(st, m);
            setCurrent(st, mixedPlan, st.mixedValues);
            if (st.currentObjective < st.bestObjective) {
                setBest(st, 0);
            }
            int8 = m;
            message("mixed preset: " + format(st.mixedValues) + ", drop " + format(drops(st, st.mixedValues)));
        }
        st.quantizedNodeCount = reverter.quantized(st.plan).size();
        st.startPlan = st.plan;
        st.startValues = new LinkedHashMap<>(st.currentValues);
        if (met(st.currentObjective)) {
            st.finished = true;
            st.stopReason = "the base algorithm already meets maximal_drop";
            save(st);
            return st;
        }
        if (st.quantizedNodeCount == 0) {
            st.finished = true;
            st.stopReason = "the base algorithm quantized no node";
            save(st);
            return st;
        }

        chooseRankingSubset(st, fp32, int8, comparison);
        if (params.exactRanking()) {
            try {
                if (params.maxIterNum() > 0) { // max_iter_num 0: no revert allowed, so no ranking to pay for
                    st.queue = rank(st);
                }
            } catch (LayerRanker.BudgetExceeded e) {
                st.stopReason = "max_time (" + params.maxTimeSeconds() + " s) reached during the first ranking";
            }
        }
        save(st);
        return st;
    }

    /** Steps 5-7 until the target is met or a bound is hit. */
    void loop(SearchState st) {
        while (!st.finished) {
            if (met(st.currentObjective)) {
                st.finished = true;
                st.stopReason = "maximal_drop met";
                break;
            }
            if (st.iteration >= params.maxIterNum()) {
                st.stopReason = "max_iter_num (" + params.maxIterNum() + ") reached";
                break;
            }
            if (timeUp()) {
                st.stopReason = "max_time (" + params.maxTimeSeconds() + " s) reached";
                break;
            }
            long t0 = System.nanoTime();
            if (st.needRerank || st.queue.isEmpty()) {
                try {
                    st.queue = rank(st);
                } catch (LayerRanker.BudgetExceeded e) {
                    st.stopReason = "max_time (" + params.maxTimeSeconds() + " s) reached during re-ranking";
                    break;
                }
                st.needRerank = false;
                if (st.queue.isEmpty()) {
                    st.finished = true;
                    st.stopReason = "no quantized node left to revert";
                    save(st);
                    break;
                }
            }
            String node = st.queue.remove(0);
            QuantizableNode qn = reverter.node(node);
            if (qn == null || !reverter.isQuantized(st.plan, qn) || !reverter.revertChangesNumerics(st.plan, node)) {
                continue;
            }
            st.iteration++;
            List<String> group = reverter.group(st.plan, node).stream().map(QuantizableNode::id).toList();
            QuantizationPlan candidate = reverter.revert(st.plan, node);
            EvaluationResult r = probe.evaluate(candidate, null, false, false, null,
                    "evaluate int8 (iteration " + st.iteration + ")");
            st.validationPasses++;
            st.validationSeconds += r.seconds();
            st.searchPassTimes.add(r.seconds());
            Map<String, Double> values = values(st, r);
            Map<String, Double> drops = drops(st, values);
            double objective = objective(drops);
            boolean improved = objective < st.currentObjective;
            String action;
            if (!improved && params.usePrevIfDropIncrease() && objective > st.currentObjective) {
                action = "rolled_back";
                st.excluded.addAll(group);
            } else {
                action = "reverted";
                setCurrent(st, candidate, values);
                st.reverted.addAll(group);
            }
            if (!improved) {
                st.needRerank = true;
            }
            if ("reverted".equals(action) && (st.currentObjective < st.bestObjective
                    || (st.currentObjective == st.bestObjective && st.reverted.size() < st.bestReverted.size()))) {
                setBest(st, st.iteration);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            boolean reranked = !st.rankings.isEmpty() && st.rankings.get(st.rankings.size() - 1).beforeIteration() == st.iteration;
            st.history.add(new IterationRecord(st.iteration, node, qn.opType(), action, values, drops, objective, improved,
                    reranked, st.reverted.size(), seconds, group));
            message(String.format(Locale.ROOT, "iteration %d: %s %s -> %s, drop %s%s", st.iteration,
                    action.equals("reverted") ? "reverted" : "rolled back", group.size() == 1 ? node : group,
                    format(values), fmt(objective),
                    improved ? "" : " (no improvement: re-ranking)"));
            if (met(st.currentObjective)) {
                st.finished = true;
                st.stopReason = "maximal_drop met";
            }
            save(st);
        }
        save(st);
    }

    /** Elapsed time of all sessions so far. */
    double totalSeconds(SearchState st) {
        return st.elapsedSeconds + (System.nanoTime() - sessionStart) / 1e9;
    }

    boolean met(double objective) {
        return objective <= params.maximalDrop() + DROP_TOLERANCE;
    }

    /** Writes the checkpoint (elapsed time included) when there is a work folder. */
    void save(SearchState st) {
        if (checkpoint == null) {
            return;
        }
        double before = st.elapsedSeconds;
        st.elapsedSeconds = totalSeconds(st);
        try {
            checkpoint.save(fingerprint, st);
        } finally {
            st.elapsedSeconds = before;
        }
    }

    private QuantizationPlan runBase(Map<String, Object> baseParams, String note) {
        String stage = "base algorithm " + params.baseAlgorithm() + note;
        progress.stageStarted(stage, 0);
        try {
            QuantizationPlan plan = base.run(model, context.withParams(baseParams)).plan();
            if (plan == null) {
                throw new Pot4jException(ErrorCode.INTERNAL, "base algorithm " + params.baseAlgorithm() + " returned no plan");
            }
            return plan;
        } finally {
            progress.stageFinished(stage);
        }
    }

    /** Matches the configured metric names to measured keys and fixes each baseline. */
    private List<ControlledMetric> controlled(EvaluationResult fp32, SearchState st) {
        List<MetricKey> keys = fp32.keys();
        if (keys.isEmpty()) {
            throw new Pot4jException(ErrorCode.CONFIG_INVALID, "AccuracyAwareQuantization measured no metric value on '"
                    + validation.name() + "'; configure a metric or a validation function");
        }
        Map<String, Double> configured = new LinkedHashMap<>();
        Set<MetricKey> chosen = new LinkedHashSet<>();
        if (params.metrics().isEmpty()) {
            chosen.addAll(keys);
        } else {
            for (MetricSelection sel : params.metrics()) {
                List<MetricKey> matches = match(keys, sel.name());
                if (matches.isEmpty()) {
                    throw new Pot4jException(ErrorCode.CONFIG_INVALID, "AccuracyAwareQuantization metrics entry '" + sel.name()
                            + "' matches none of the measured metrics " + keys.stream().map(MetricKey::name).toList()
                            + "; use one of those names");
                }
                if (matches.size() > 1 && sel.baselineValue() != null) {
                    throw new Pot4jException(ErrorCode.CONFIG_INVALID, "AccuracyAwareQuantization metrics entry '" + sel.name()
                            + "' with a baseline_value matches several metrics " + matches.stream().map(MetricKey::name).toList()
                            + "; name exactly one");
                }
                chosen.addAll(matches);
                if (sel.baselineValue() != null) {
                    configured.put(matches.get(0).name(), sel.baselineValue());
                }
            }
        }
        Map<String, Double> measured = fp32.aggregate();
        List<ControlledMetric> out = new ArrayList<>();
        for (MetricKey k : chosen) {
            double m = measured.get(k.name());
            Double c = configured.get(k.name());
            double baseline = m;
            String source = "measured";
            if (c != null) {
                // the seed uses baseline_value as given; a far-off one is most likely a typo or another
                // model's value, so say so (once, both values) but do not override the user
                baseline = c;
                source = "config";
                double tol = BASELINE_TOLERANCE * Math.max(Math.abs(c), Math.abs(m));
                if (Math.abs(c - m) > tol + DROP_TOLERANCE) {
                    String warning = "baseline_value " + c + " of '" + k.name() + "' is more than "
                            + (int) (BASELINE_TOLERANCE * 100) + "% from the FP32 value " + fmt(m) + " measured on "
                            + st.comparisonSize + " samples; using " + c + " as configured";
                    LOG.warn("AccuracyAwareQuantization: {}", warning);
                    progress.message("WARNING: " + warning);
                }
            }
            boolean perSample = k.perSample() && fp32.perSample(k.name()) != null;
            out.add(new ControlledMetric(k.name(), k.type(), k.metricIndex(), k.higherBetter(), perSample, baseline, source, c, m));
        }
        return out;
    }

    /** Exact key; else keys that start with the name ({@code accuracy} -> {@code accuracy@top1}) or have it as type. */
    private static List<MetricKey> match(List<MetricKey> keys, String name) {
        List<MetricKey> exact = keys.stream().filter(k -> k.name().equals(name)).toList();
        if (!exact.isEmpty()) {
            return exact;
        }
        return keys.stream().filter(k -> k.name().startsWith(name) || k.type().equals(name)).toList();
    }

    /** Step 2: per-sample mismatch FP32 vs INT8 on the compared samples; the largest form the ranking subset. */
    private void chooseRankingSubset(SearchState st, EvaluationResult fp32, EvaluationResult int8, int[] comparison) {
        ControlledMetric focus = focus(st);
        double[] mismatch = new double[comparison.length];
        double[] f = fp32.perSample(focus.name());
        double[] q = int8.perSample(focus.name());
        int[] fpIdx = fp32.indices();
        if (focus.perSample() && f != null && q != null) {
            for (int p = 0; p < comparison.length; p++) {
                int di = comparison[p];
                mismatch[p] = Math.abs(f[position(fpIdx, di)] - q[di]);
            }
            st.rankingSubsetBasis = "metric " + focus.name();
        } else {
            double[] d = int8.distances();
            if (d == null) {
                Map<Integer, List<Tensor>> ref = evaluator.fp32Outputs(model, validation, comparison, "fp32 outputs");
                d = probe.evaluate(st.plan, comparison, false, false, ref, "compare int8 to fp32").distances();
                for (int p = 0; p < comparison.length; p++) {
                    mismatch[p] = d[p];
                }
            } else {
                for (int p = 0; p < comparison.length; p++) {
                    mismatch[p] = d[comparison[p]];
                }
            }
            st.rankingSubsetBasis = "nmse";
        }
        if (comparison.length < params.rankingSubsetSize()) {
            String msg = "the " + comparison.length + " compared validation samples are fewer than ranking_subset_size "
                    + params.rankingSubsetSize() + ": ranking on all of them";
            LOG.warn("AccuracyAwareQuantization: {}", msg);
            progress.message("WARNING: " + msg);
        }
        st.rankingSubset = RankingSubset.select(comparison, mismatch, params.rankingSubsetSize());
        if (focus.perSample() && f != null && q != null && probe instanceof MetricsProbe) {
            // the subset scores of FP32 and of the start plan, as MetricsProbe.score computes them,
            // from the passes already run (the fast ranking needs both)
            double fs = 0;
            double qs = 0;
            for (int di : st.rankingSubset) {
                fs += f[position(fpIdx, di)];
                qs += q[di];
            }
            st.subsetScoreFocus = focus.name();
            st.fp32SubsetScore = focus.orientation() * fs;
            st.startSubsetScore = focus.orientation() * qs;
        }
    }

    private static int position(int[] indices, int datasetIndex) {
        if (datasetIndex < indices.length && indices[datasetIndex] == datasetIndex) {
            return datasetIndex;
        }
        int p = java.util.Arrays.binarySearch(indices, datasetIndex);
        if (p < 0) {
            throw new IllegalStateException("sample " + datasetIndex + " was not compared");
        }
        return p;
    }

    /** Step 4 on the current plan; records the ranking and returns node ids, best first. */
    private List<String> rank(SearchState st) {
        long t0 = System.nanoTime();
        ControlledMetric focus = focus(st);
        // one candidate per node, reverted with its group (the weightless producers that only feed it)
        List<QuantizableNode> candidates = new ArrayList<>();
        for (QuantizableNode n : reverter.quantized(st.plan)) {
            boolean excluded = reverter.group(st.plan, n.id()).stream().anyMatch(m -> st.excluded.contains(m.id()));
            if (!excluded && reverter.revertChangesNumerics(st.plan, n.id())) {
                candidates.add(n);
            }
        }
        if (candidates.isEmpty()) {
            return new ArrayList<>();
        }
        Map<Integer, List<Tensor>> reference = fp32SubsetOutputs(st);
        String stage = "rank layers (before iteration " + (st.iteration + 1) + ")";
        List<RankEntry> entries = ranker.rank(st.plan, candidates, st.rankingSubset, focus, reference, stage, deadline);
        st.rankingSampleRuns += ranker.lastSampleRuns();
        double seconds = (System.nanoTime() - t0) / 1e9;
        st.rankingSeconds += seconds;
        st.rankings.add(new RankingRecord(st.iteration + 1, focus.name(), focus.perSample() ? "metric" : "nmse", seconds, entries));
        List<String> ids = new ArrayList<>();
        entries.forEach(e -> ids.add(e.node()));
        message("ranked " + ids.size() + " nodes by " + (focus.perSample() ? focus.name() : "NMSE to FP32")
                + " on " + st.rankingSubset.length + " samples: " + ids.subList(0, Math.min(5, ids.size()))
                + (ids.size() > 5 ? "..." : ""));
        return ids;
    }

    /** FP32 outputs of the ranking subset (the NMSE reference), computed once per session. */
    Map<Integer, List<Tensor>> fp32SubsetOutputs(SearchState st) {
        if (fp32SubsetOutputs == null) {
            // always the same dedicated pass over exactly the subset, so that a resumed run sees
            // bit-identical references whatever earlier passes were cached
            EvaluationResult ref = evaluator.fp32(model, EvaluationRequest.of(QuantizationPlan.EMPTY, validation, List.of(),
                    "fp32 outputs of the ranking subset").withIndices(st.rankingSubset).withKeepOutputs(true));
            fp32SubsetOutputs = byIndex(ref.indices(), ref.outputs());
            st.rankingSampleRuns += st.rankingSubset.length;
        }
        return fp32SubsetOutputs;
    }

    /** The controlled metric with the largest drop now (ties: the first configured). */
    ControlledMetric focus(SearchState st) {
        ControlledMetric best = null;
        double worst = Double.NEGATIVE_INFINITY;
        for (ControlledMetric c : st.controlled) {
            Double v = st.currentValues.get(c.name());
            double d = v == null ? Double.NEGATIVE_INFINITY : c.drop(params.dropType(), v);
            if (best == null || d > worst) {
                best = c;
                worst = d;
            }
        }
        return best;
    }

    Map<String, Double> values(SearchState st, EvaluationResult r) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (ControlledMetric c : st.controlled) {
            Double v = r.aggregate().get(c.name());
            if (v == null) {
                throw new Pot4jException(ErrorCode.METRIC_FAILED, "metric '" + c.name() + "' gave no value for the quantized model; "
                        + "its keys must not change between models");
            }
            out.put(c.name(), v);
        }
        return out;
    }

    Map<String, Double> drops(SearchState st, Map<String, Double> values) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (ControlledMetric c : st.controlled) {
            out.put(c.name(), c.drop(params.dropType(), values.get(c.name())));
        }
        return out;
    }

    static double objective(Map<String, Double> drops) {
        double max = Double.NEGATIVE_INFINITY;
        for (double d : drops.values()) {
            max = Math.max(max, d);
        }
        return max;
    }

    void setCurrent(SearchState st, QuantizationPlan plan, Map<String, Double> values) {
        st.plan = plan;
        st.currentValues = new LinkedHashMap<>(values);
        st.currentObjective = objective(drops(st, values));
    }

    static void setBest(SearchState st, int iteration) {
        st.bestPlan = st.plan;
        st.bestReverted = new ArrayList<>(st.reverted);
        st.bestValues = new LinkedHashMap<>(st.currentValues);
        st.bestObjective = st.currentObjective;
        st.bestIteration = iteration;
    }

    boolean timeUp() {
        return System.nanoTime() - deadline > 0;
    }

    private static Map<String, Double> baselines(SearchState st) {
        Map<String, Double> b = new LinkedHashMap<>();
        st.controlled.forEach(c -> b.put(c.name(), c.baseline()));
        return b;
    }

    private static Map<Integer, List<Tensor>> byIndex(int[] indices, List<List<Tensor>> outputs) {
        Map<Integer, List<Tensor>> m = new LinkedHashMap<>();
        for (int p = 0; p < indices.length; p++) {
            m.put(indices[p], outputs.get(p));
        }
        return m;
    }

    void message(String text) {
        LOG.info("AccuracyAwareQuantization: {}", text);
        progress.message("AccuracyAware: " + text);
    }

    static String format(Map<String, Double> values) {
        StringBuilder sb = new StringBuilder("{");
        values.forEach((k, v) -> sb.append(sb.length() > 1 ? ", " : "").append(k).append('=').append(fmt(v)));
        return sb.append('}').toString();
    }

    static String fmt(double v) {
        return String.format(Locale.ROOT, "%.5g", v);
    }
}
