package org.pot4j.engine.algorithms.accuracyaware;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.pot4j.api.Pot4jException;
import org.pot4j.engine.config.ConfigErrors;
import org.pot4j.engine.config.ParamBinder;
import org.pot4j.api.param.Range;

/**
 * AccuracyAwareQuantization's parameters with POT's names and defaults (then pot4j's), bound by
 * the engine's {@link ParamBinder} and range-checked. Every other key belongs to the base algorithm
 * and is passed to it unchanged ({@link #baseParams}).
 *
 * @param maximalDrop           {@code maximal_drop}, in [0, 1]
 * @param rankingSubsetSize     {@code ranking_subset_size}, at least 1
 * @param maxIterNum            {@code max_iter_num}, at least 0
 * @param dropType              {@code drop_type}
 * @param usePrevIfDropIncrease {@code use_prev_if_drop_increase}
 * @param baseAlgorithm         {@code base_algorithm}
 * @param convertToMixedPreset  {@code convert_to_mixed_preset}
 * @param metrics               {@code metrics}: the metrics to control (empty = all)
 * @param metricSubsetRatio     {@code metric_subset_ratio}, in (0, 1]
 * @param maxTimeSeconds        {@code max_time} in seconds ({@code +Infinity} = none)
 * @param rankingWorkers        {@code ranking_workers}, at least 1
 * @param resume                {@code resume}
 * @param errorOnTargetMissed   true for {@code on_target_missed: error} (a missed target throws)
 * @param exactRanking          true for {@code ranking: exact} (POT's procedure), false for {@code fast}
 * @param rankingCandidates     {@code ranking_candidates}: 0 = {@code auto} (8-16), else that many
 * @param useSuffixRuns         {@code use_suffix_runs}: score candidates from the node onward when the backend can
 * @param screenSingleReverts   {@code screen_single_reverts}: fast ranking screens single reverts on the ranking
 *                              subset after a revert (experimental, off)
 * @param baseParams            the params for the base algorithm (everything that is not AccuracyAware's own)
 * @param fingerprinted         the params that identify the run, sorted, for the checkpoint fingerprint
 */
record AccuracyAwareParams(double maximalDrop, int rankingSubsetSize, int maxIterNum, DropType dropType,
        boolean usePrevIfDropIncrease, String baseAlgorithm, boolean convertToMixedPreset, List<MetricSelection> metrics,
        double metricSubsetRatio, double maxTimeSeconds, int rankingWorkers, boolean resume, boolean errorOnTargetMissed,
        boolean exactRanking, int rankingCandidates, boolean useSuffixRuns, boolean screenSingleReverts,
        Map<String, Object> baseParams, Map<String, Object> fingerprinted) {
    static final String ALGORITHM = "AccuracyAwareQuantization";
    static final String DEFAULT_BASE = "DefaultQuantization";

    /** AccuracyAware's own keys: POT's, then pot4j's (max_time, ranking_workers, resume, on_target_missed, ranking...). */
    static final Set<String> OWN = ParamBinder.keys(Keys.class);

    /**
     * Keys that bound or schedule the run without changing its path: a checkpoint written with other
     * values of these is still resumed (so a run stopped by max_iter_num can be extended).
     */
    static final Set<String> NOT_FINGERPRINTED = Set.of("max_iter_num", "max_time", "ranking_workers", "resume",
            "on_target_missed");

    /** Copies the collections. */
    AccuracyAwareParams {
        metrics = List.copyOf(metrics);
        baseParams = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(baseParams));
        fingerprinted = java.util.Collections.unmodifiableMap(new TreeMap<>(fingerprinted));
    }

    /** A configured metric to control: POT's {@code metrics: [{name, baseline_value}]}. */
    record MetricSelection(String name, Double baselineValue) {
    }

    /**
     * The keys as configured, bound by the {@link ParamBinder} (snake_case names, types, ranges);
     * {@link #defaults()} holds POT's defaults. Whole numbers are the binder's (so {@code 5.0} from
     * YAML or a script's JSON is 5, {@code 2.5} is refused).
     */
    record Keys(@Range(min = 0, max = 1) Double maximalDrop,
                @Range(min = 1) Integer rankingSubsetSize,
                @Range(min = 0) Integer maxIterNum,
                String dropType,
                Boolean usePrevIfDropIncrease,
                String baseAlgorithm,
                Boolean convertToMixedPreset,
                Object metrics,
                @Range(min = 0, max = 1, minExclusive = true) Double metricSubsetRatio,
                @Range(min = 0, minExclusive = true) Double maxTime,
                @Range(min = 1) Integer rankingWorkers,
                Boolean resume,
                String onTargetMissed,
                String ranking,
                Object rankingCandidates,
                Boolean useSuffixRuns,
                Boolean screenSingleReverts) {
        /** POT's defaults (max_time none, ranking_workers from the machine, ranking_candidates auto). */
        static Keys defaults() {
            return new Keys(0.01, 300, 30, "absolute", false, DEFAULT_BASE, false, null, 0.5, null, null, false,
                    "best_effort", "fast", "auto", true, false);
        }
    }

    /**
     * Binds {@code params}; defaults fill what is missing.
     *
     * @param defaultWorkers {@code ranking_workers} when not given
     * @throws Pot4jException {@code CONFIG_INVALID} naming the key, the value and the valid range;
     *                        {@code CONFIG_UNKNOWN_KEY} for an unknown key inside a {@code metrics} entry
     */
    static AccuracyAwareParams parse(Map<String, Object> params, int defaultWorkers) {
        Map<String, Object> in = params == null ? Map.of() : params;
        Keys k = ParamBinder.bindKnown(in, Keys.class, "algorithm '" + ALGORITHM + "'", "params");
        Map<String, Object> base = new LinkedHashMap<>();
        Map<String, Object> fp = new TreeMap<>();
        for (Map.Entry<String, Object> e : in.entrySet()) {
            if (!OWN.contains(e.getKey())) {
                base.put(e.getKey(), e.getValue());
            }
            if (!NOT_FINGERPRINTED.contains(e.getKey())) {
                fp.put(e.getKey(), e.getValue());
            }
        }
        String baseAlgorithm = k.baseAlgorithm() == null ? "" : k.baseAlgorithm().trim();
        if (baseAlgorithm.isEmpty()) {
            throw invalid("base_algorithm", k.baseAlgorithm(), "must be an algorithm name such as \"DefaultQuantization\"");
        }
        String ranking = k.ranking().trim().toLowerCase(Locale.ROOT);
        if (!ranking.equals("fast") && !ranking.equals("exact")) {
            throw invalid("ranking", k.ranking(), "must be \"fast\" (default) or \"exact\" (POT's procedure)");
        }
        String onMissed = k.onTargetMissed().trim().toLowerCase(Locale.ROOT);
        if (!onMissed.equals("error") && !onMissed.equals("best_effort")) {
            throw invalid("on_target_missed", k.onTargetMissed(), "must be \"best_effort\" (default) or \"error\"");
        }
        return new AccuracyAwareParams(k.maximalDrop(), k.rankingSubsetSize(),
                k.maxIterNum(), DropType.parse(k.dropType()), k.usePrevIfDropIncrease(), baseAlgorithm,
                k.convertToMixedPreset(), metrics(k.metrics()), k.metricSubsetRatio(),
                k.maxTime() == null ? Double.POSITIVE_INFINITY : k.maxTime(),
                k.rankingWorkers() == null ? defaultWorkers : k.rankingWorkers(), k.resume(),
                onMissed.equals("error"), ranking.equals("exact"), rankingCandidates(k.rankingCandidates()),
                k.useSuffixRuns(), k.screenSingleReverts(), base, fp);
    }

    /** The values in effect after parsing (defaults filled in), under their config names. */
    Map<String, Object> effective() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("maximal_drop", maximalDrop);
        m.put("drop_type", dropType.configName());
        m.put("ranking_subset_size", rankingSubsetSize);
        m.put("max_iter_num", maxIterNum);
        m.put("use_prev_if_drop_increase", usePrevIfDropIncrease);
        m.put("base_algorithm", baseAlgorithm);
        m.put("convert_to_mixed_preset", convertToMixedPreset);
        m.put("metric_subset_ratio", metricSubsetRatio);
        m.put("on_target_missed", errorOnTargetMissed ? "error" : "best_effort");
        m.put("ranking", exactRanking ? "exact" : "fast");
        m.put("ranking_candidates", rankingCandidates == 0 ? "auto" : rankingCandidates);
        m.put("use_suffix_runs", useSuffixRuns);
        m.put("screen_single_reverts", screenSingleReverts);
        if (Double.isFinite(maxTimeSeconds)) {
            m.put("max_time", maxTimeSeconds);
        }
        return m;
    }

    /** {@code ranking_candidates}: {@code auto} (0) or a whole number >= 1. */
    private static int rankingCandidates(Object v) {
        if (v == null || "auto".equals(String.valueOf(v).trim())) {
            return 0;
        }
        Double d = v instanceof Number n ? Double.valueOf(n.doubleValue()) : parseDouble(String.valueOf(v));
        if (d == null || d != Math.rint(d) || d < 1 || d > Integer.MAX_VALUE) {
            throw invalid("ranking_candidates", v, "must be \"auto\" or a whole number >= 1");
        }
        return d.intValue();
    }

    private static List<MetricSelection> metrics(Object v) {
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof List<?> list)) {
            throw invalid("metrics", v, "must be a list like [{\"name\": \"accuracy\", \"baseline_value\": 0.72}]");
        }
        List<MetricSelection> out = new ArrayList<>();
        for (Object item : list) {
            if (item instanceof String s) {
                out.add(new MetricSelection(s, null));
            } else if (item instanceof Map<?, ?> m) {
                for (Object key : m.keySet()) {
                    if (!"name".equals(key) && !"baseline_value".equals(key)) {
                        throw ConfigErrors.unknownKey(null, "params.metrics[]." + key, String.valueOf(key),
                                List.of("baseline_value", "name"), "an " + ALGORITHM + " metrics entry");
                    }
                }
                Object name = m.get("name");
                if (!(name instanceof String s) || s.isBlank()) {
                    throw invalid("metrics", item, "each entry needs a \"name\" of a configured metric");
                }
                Double baseline = null;
                if (m.get("baseline_value") != null) {
                    Object b = m.get("baseline_value");
                    baseline = b instanceof Number n ? Double.valueOf(n.doubleValue()) : parseDouble(String.valueOf(b));
                    if (baseline == null || !Double.isFinite(baseline)) {
                        throw invalid("metrics[" + s + "].baseline_value", b, "must be a finite number");
                    }
                }
                out.add(new MetricSelection(s.trim(), baseline));
            } else {
                throw invalid("metrics", item, "each entry must be {\"name\": ..., \"baseline_value\": ...}");
            }
        }
        return List.copyOf(out);
    }

    private static Double parseDouble(String s) {
        try {
            return Double.parseDouble(s.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static Pot4jException invalid(String key, Object value, String rule) {
        return ConfigErrors.invalid(null, "params." + key, "of algorithm '" + ALGORITHM + "' " + rule + ", got " + value);
    }
}
