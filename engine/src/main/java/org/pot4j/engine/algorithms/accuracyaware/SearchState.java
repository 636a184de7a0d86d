package org.pot4j.engine.algorithms.accuracyaware;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pot4j.api.quant.QuantizationPlan;

/**
 * Everything the search knows after an iteration; it is what {@code aa-checkpoint.json} holds, so a
 * resumed run continues exactly where the killed one stopped. Public fields for Jackson only.
 */
final class SearchState {
    /** The metrics kept within maximal_drop, with their baselines. */
    public List<ControlledMetric> controlled = new ArrayList<>();
    /** INT8 values and drops of the base algorithm's plan. */
    public Map<String, Double> initialValues = new LinkedHashMap<>();
    public Map<String, Double> initialDrops = new LinkedHashMap<>();
    public double initialObjective;
    /** Values and drops after switching to the mixed preset (convert_to_mixed_preset), else null. */
    public Map<String, Double> mixedValues;
    public boolean convertedToMixed;
    /** convert_to_mixed_preset was asked for but the base preset was already mixed. */
    public boolean mixedSkipped;

    public int validationSize;
    /** Samples compared FP32 vs INT8 per sample (all, or metric_subset_ratio of them with baseline_value). */
    public int comparisonSize;
    /** Dataset indices of the ranking subset, ascending. */
    public int[] rankingSubset = new int[0];
    /** What chose the ranking subset: {@code metric <key>} or {@code nmse}. */
    public String rankingSubsetBasis = "";
    public int quantizedNodeCount;

    /** The current plan and what was reverted to reach it. */
    public QuantizationPlan plan;
    public List<String> reverted = new ArrayList<>();
    /** Nodes rolled back by use_prev_if_drop_increase (with their groups); never tried again. */
    public List<String> excluded = new ArrayList<>();
    /** The remaining nodes of the latest ranking, next first. */
    public List<String> queue = new ArrayList<>();
    public Map<String, Double> currentValues = new LinkedHashMap<>();
    /** The largest drop over the controlled metrics of the current plan. */
    public double currentObjective;
    /** Revert attempts so far (bounded by max_iter_num). */
    public int iteration;
    public boolean needRerank;

    /** The best plan seen: smallest objective, ties to fewer reverted nodes. */
    public QuantizationPlan bestPlan;
    public List<String> bestReverted = new ArrayList<>();
    public Map<String, Double> bestValues = new LinkedHashMap<>();
    public double bestObjective;
    public int bestIteration;

    public List<IterationRecord> history = new ArrayList<>();
    public List<RankingRecord> rankings = new ArrayList<>();

    /**
     * Wall times of the INT8 validation passes before the search (the base plan's, the mixed preset's):
     * with {@link #searchPassTimes} they give the unit of the report's "in validation passes" figures.
     * Only INT8 passes: a plan's pass always runs the model on every validation sample, while the FP32
     * pass may only run the metrics on cached FP32 outputs (annotation: fp32_output) and take no time.
     */
    public List<Double> initialPassTimes = new ArrayList<>();
    /** Wall times of the validation passes of candidate plans during the search (replayed on resume). */
    public List<Double> searchPassTimes = new ArrayList<>();

    /** The unit: the median of the measured INT8 validation passes (robust to a load spike on a shared machine). */
    double passSeconds() {
        List<Double> all = new ArrayList<>(initialPassTimes);
        all.addAll(searchPassTimes);
        all.removeIf(t -> t == null || !(t > 0));
        if (all.isEmpty()) {
            return Double.NaN;
        }
        java.util.Collections.sort(all);
        int n = all.size();
        return n % 2 == 1 ? all.get(n / 2) : (all.get(n / 2 - 1) + all.get(n / 2)) / 2;
    }

    /** Which passes {@link #passSeconds()} is the median of, for the report. */
    String passUnit() {
        int n = initialPassTimes.size() + searchPassTimes.size();
        return "median of " + n + " INT8 validation passes (" + validationSize + " samples each, the model run on "
                + "every sample): " + initialPassTimes.size() + " before the search, " + searchPassTimes.size() + " in it";
    }
    /** Wall time spent in earlier sessions (before a resume). */
    public double elapsedSeconds;
    public double rankingSeconds;
    public String stopReason = "";
    /** True when nothing is left to do (target met or no node left); max_iter_num/max_time stops can be extended. */
    public boolean finished;
    public int sessions = 1;

    /** {@code exact} (POT's procedure) or {@code fast}. */
    public String ranking = "exact";
    /** The plan the search starts from (the base algorithm's, or the mixed preset's) and its values. */
    public QuantizationPlan startPlan;
    public Map<String, Double> startValues = new LinkedHashMap<>();
    /** Fast mode: every plan evaluated on the validation set, so that a resumed run replays the search. */
    public List<Evaluated> evaluations = new ArrayList<>();
    /** Fast mode: the reverted candidates (each with its group), in revert order. */
    public List<String> revertedUnits = new ArrayList<>();

    /** Subset scores of FP32 and of the start plan for this metric, from the initial passes (or null). */
    public String subsetScoreFocus;
    public Double fp32SubsetScore;
    public Double startSubsetScore;

    /** Cost: model runs on single samples spent ranking (proxy passes, candidates, references). */
    public double rankingSampleRuns;
    /** Cost: full validation passes of the FP32, INT8 (and mixed preset) models before the search. */
    public int initialPasses;
    public double initialSeconds;
    public double baseSeconds;
    /**
     * Fast mode: plans scored on the ranking subset before (or instead of) a validation pass, by
     * focus metric and reverted candidates: {subset score, seconds}. Kept so resume does not rerun them.
     */
    public Map<String, double[]> screens = new LinkedHashMap<>();
    /** Cost: model runs on single samples spent screening plans on the ranking subset, and their wall time. */
    public double screenSampleRuns;
    public double screenSeconds;
    /** Cost: full validation passes of candidate plans during the search, and their wall time. */
    public int validationPasses;
    public double validationSeconds;

    /**
     * One plan measured on the validation set (fast mode).
     *
     * @param key     the reverted candidates, in revert order, joined by newlines
     * @param values  metric values
     * @param seconds wall time of the pass
     */
    record Evaluated(String key, Map<String, Double> values, double seconds) {
    }

    /**
     * One revert attempt.
     *
     * @param iteration    1-based attempt number
     * @param node         the node reverted
     * @param opType       its op type
     * @param action       {@code reverted} or {@code rolled_back} (use_prev_if_drop_increase)
     * @param values       metric values with the node reverted (full validation set)
     * @param drops        drops per metric
     * @param drop         the largest drop
     * @param improved     true when the drop went down
     * @param reranked     true when a (re-)ranking ran right before this attempt
     * @param revertedCount nodes in FP32 after the attempt
     * @param seconds      wall time of the attempt (including a re-ranking before it)
     * @param group        every node reverted (or rolled back) in this attempt, in graph order: {@code node} and its quantizer group
     */
    record IterationRecord(int iteration, String node, String opType, String action, Map<String, Double> values,
            Map<String, Double> drops, double drop, boolean improved, boolean reranked, int revertedCount, double seconds,
            List<String> group) {
        /** Copies; an absent group (older checkpoints) means the node alone. */
        IterationRecord {
            group = group == null || group.isEmpty() ? List.of(node) : List.copyOf(group);
        }
    }

    /**
     * One layer ranking.
     *
     * @param beforeIteration the attempt it preceded
     * @param focus           the metric ranked by (the one with the largest drop then)
     * @param basis           {@code metric} or {@code nmse}
     * @param seconds         wall time
     * @param entries         candidates, best first
     * @param kind            {@code exact} (every candidate scored) or {@code fast} (proxy, then the first
     *                        {@code confirmed} entries scored exactly)
     * @param planKey         fast mode: the reverted candidates of the ranked plan (replay key)
     * @param confirmed       entries scored exactly (they come first)
     * @param sampleRuns      model runs on single samples this ranking cost
     * @param currentScore    fast mode: the ranked plan's own score on the subset
     * @param fp32Score       fast mode: the FP32 model's score on the subset
     */
    record RankingRecord(int beforeIteration, String focus, String basis, double seconds, List<RankEntry> entries,
            String kind, String planKey, int confirmed, double sampleRuns, Double currentScore, Double fp32Score) {
        /** An exact (POT) ranking. */
        RankingRecord(int beforeIteration, String focus, String basis, double seconds, List<RankEntry> entries) {
            this(beforeIteration, focus, basis, seconds, entries, "exact", null, entries.size(), 0, null, null);
        }
    }
}
