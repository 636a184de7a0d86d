package org.pot4j.engine.algorithms.accuracyaware;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pot4j.api.quant.QuantizationResult;
import org.pot4j.engine.algorithms.accuracyaware.SearchState.IterationRecord;
import org.pot4j.engine.algorithms.accuracyaware.SearchState.RankingRecord;

/**
 * Builds the AccuracyAware report: JSON-friendly maps and lists (no nulls, no NaN), the same content
 * for {@link QuantizationResult#report()}, {@code accuracy-aware-report.json} and the HTML page.
 */
final class AccuracyAwareReport {
    private AccuracyAwareReport() {
    }

    static Map<String, Object> build(SearchState st, AccuracyAwareParams p, QuantizationResult.Status status,
            List<String> finalReverted, Map<String, Double> finalValues, double finalDrop, double totalSeconds, boolean resumed) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("algorithm", AccuracyAwareQuantization.NAME);
        r.put("status", status.name());
        r.put("stop_reason", st.stopReason == null ? "" : st.stopReason);
        r.put("maximal_drop", p.maximalDrop());
        r.put("drop_type", p.dropType().configName());
        r.put("base_algorithm", p.baseAlgorithm());
        r.put("ranking", st.ranking == null ? "exact" : st.ranking);
        r.put("preset_converted_to_mixed", st.convertedToMixed);
        if (st.mixedSkipped) {
            r.put("convert_to_mixed_preset_skipped", "the preset is already mixed");
        }
        // what reached the algorithm: its own parameters with defaults filled in, and the base algorithm's as passed on
        r.put("parameters", p.effective());
        r.put("base_parameters", new java.util.TreeMap<>(p.baseParams()));
        List<Object> metrics = new ArrayList<>();
        for (ControlledMetric c : st.controlled) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", c.name());
            m.put("type", c.type());
            m.put("direction", c.higherBetter() ? "higher-better" : "higher-worse");
            m.put("per_sample", c.perSample());
            m.put("baseline", c.baseline());
            m.put("baseline_source", c.baselineSource());
            if (c.configuredBaseline() != null) {
                m.put("configured_baseline", c.configuredBaseline());
            }
            m.put("measured_fp32", c.measured());
            putFinite(m, "int8", st.initialValues.get(c.name()));
            if (st.mixedValues != null) {
                putFinite(m, "int8_mixed", st.mixedValues.get(c.name()));
            }
            putFinite(m, "final", finalValues.get(c.name()));
            Double v = finalValues.get(c.name());
            if (v != null) {
                putFinite(m, "final_drop", c.drop(p.dropType(), v));
            }
            metrics.add(m);
        }
        r.put("metrics", metrics);
        Map<String, Object> baseline = new LinkedHashMap<>();
        st.controlled.forEach(c -> baseline.put(c.name(), c.baseline()));
        r.put("baseline", baseline);
        r.put("initial_values", finite(st.initialValues));
        r.put("initial_drops", finite(st.initialDrops));
        putFinite(r, "initial_drop", st.initialObjective);
        putFinite(r, "final_drop", finalDrop);
        r.put("validation_samples", st.validationSize);
        r.put("comparison_samples", st.comparisonSize);
        r.put("ranking_subset_size", st.rankingSubset.length);
        r.put("ranking_subset_basis", st.rankingSubsetBasis);
        List<Object> iterations = new ArrayList<>();
        for (IterationRecord it : st.history) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("iteration", it.iteration());
            m.put("node", it.node());
            m.put("op_type", it.opType());
            m.put("group", List.copyOf(it.group()));
            m.put("action", it.action());
            m.put("values", finite(it.values()));
            m.put("drops", finite(it.drops()));
            putFinite(m, "drop", it.drop());
            m.put("improved", it.improved());
            m.put("reranked", it.reranked());
            m.put("reverted_count", it.revertedCount());
            m.put("seconds", it.seconds());
            iterations.add(m);
        }
        r.put("iterations", iterations);
        List<Object> rankings = new ArrayList<>();
        for (RankingRecord rk : st.rankings) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("iteration", rk.beforeIteration());
            m.put("focus", rk.focus());
            m.put("basis", rk.basis().equals("metric") ? "metric " + rk.focus() : "NMSE to FP32");
            m.put("seconds", rk.seconds());
            m.put("kind", rk.kind() == null ? "exact" : rk.kind());
            m.put("confirmed", rk.confirmed());
            m.put("sample_runs", rk.sampleRuns());
            List<Object> entries = new ArrayList<>();
            int rank = 1;
            for (RankEntry e : rk.entries()) {
                Map<String, Object> em = new LinkedHashMap<>();
                em.put("rank", rank++);
                em.put("node", e.node());
                em.put("op_type", e.opType());
                em.put("group", List.copyOf(e.group()));
                putFinite(em, "score", e.score());
                putFinite(em, "metric_sum", e.metricSum());
                putFinite(em, "nmse", e.nmse());
                putFinite(em, "proxy", e.proxy());
                entries.add(em);
            }
            m.put("entries", entries);
            rankings.add(m);
        }
        r.put("rankings", rankings);
        r.put("reverted_nodes", List.copyOf(finalReverted));
        r.put("reverted_count", finalReverted.size());
        r.put("quantized_node_count", st.quantizedNodeCount);
        r.put("reverted_percent", st.quantizedNodeCount == 0 ? 0.0 : 100.0 * finalReverted.size() / st.quantizedNodeCount);
        r.put("rolled_back_nodes", List.copyOf(st.excluded));
        r.put("iterations_run", st.iteration);
        Map<String, Object> timing = new LinkedHashMap<>();
        timing.put("total_seconds", totalSeconds);
        double unit = st.passSeconds();
        putFinite(timing, "validation_pass_seconds", unit);
        timing.put("validation_pass", st.passUnit());
        timing.put("ranking_seconds", st.rankingSeconds);
        putFinite(timing, "total_in_validation_passes", totalSeconds / unit);
        r.put("timing", timing);
        r.put("cost", cost(st, totalSeconds));
        r.put("resumed", resumed);
        r.put("sessions", st.sessions);
        return r;
    }

    /**
     * Where the time went, in validation passes (one pass = the model on every validation sample):
     * the ranking (model runs on single samples / validation size), screens and the validation of
     * candidate plans, counted; then the same in wall time, also as multiples of one INT8 validation
     * pass (the median of those measured, {@code timing.validation_pass} says which).
     */
    private static Map<String, Object> cost(SearchState st, double totalSeconds) {
        Map<String, Object> c = new LinkedHashMap<>();
        int n = Math.max(1, st.validationSize);
        double unit = st.passSeconds();
        double rankingPasses = st.rankingSampleRuns / n;
        double screenPasses = st.screenSampleRuns / n;
        c.put("ranking_passes", rankingPasses);
        c.put("screen_passes", screenPasses);
        c.put("validation_passes", st.validationPasses);
        c.put("search_passes", rankingPasses + screenPasses + st.validationPasses);
        c.put("initial_passes", st.initialPasses);
        c.put("base_seconds", st.baseSeconds);
        c.put("initial_seconds", st.initialSeconds);
        c.put("ranking_seconds", st.rankingSeconds);
        c.put("screen_seconds", st.screenSeconds);
        c.put("validation_seconds", st.validationSeconds);
        c.put("total_seconds", totalSeconds);
        if (unit > 0) {
            c.put("ranking_seconds_in_validation_passes", st.rankingSeconds / unit);
            c.put("screen_seconds_in_validation_passes", st.screenSeconds / unit);
            c.put("validation_seconds_in_validation_passes", st.validationSeconds / unit);
            c.put("search_seconds_in_validation_passes", (st.rankingSeconds + st.screenSeconds + st.validationSeconds) / unit);
            c.put("total_seconds_in_validation_passes", totalSeconds / unit);
        }
        return c;
    }

    private static Map<String, Object> finite(Map<String, Double> values) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (values != null) {
            values.forEach((k, v) -> putFinite(out, k, v));
        }
        return out;
    }

    private static void putFinite(Map<String, Object> m, String key, Double v) {
        if (v != null && Double.isFinite(v)) {
            m.put(key, v);
        }
    }
}
