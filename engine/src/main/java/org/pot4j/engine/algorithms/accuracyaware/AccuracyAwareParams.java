package org.pot4j.engine.algorithms.accuracyaware;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;

/**
 * AccuracyAwareQuantization's parameters with POT's names and defaults, parsed and range-checked.
 * Every other key belongs to the base algorithm and is passed to it unchanged.
 */
final class AccuracyAwareParams {
    static final String MAXIMAL_DROP = "maximal_drop";
    static final String RANKING_SUBSET_SIZE = "ranking_subset_size";
    static final String MAX_ITER_NUM = "max_iter_num";
    static final String DROP_TYPE = "drop_type";
    static final String USE_PREV_IF_DROP_INCREASE = "use_prev_if_drop_increase";
    static final String BASE_ALGORITHM = "base_algorithm";
    static final String CONVERT_TO_MIXED_PRESET = "convert_to_mixed_preset";
    static final String METRICS = "metrics";
    static final String METRIC_SUBSET_RATIO = "metric_subset_ratio";
    static final String MAX_TIME = "max_time";
    static final String RANKING_WORKERS = "ranking_workers";
    static final String RESUME = "resume";
    /** pot4j's: what a missed target does, {@code best_effort} (default) or {@code error} (NNCF's behaviour). */
    static final String ON_TARGET_MISSED = "on_target_missed";
    /** pot4j addition: {@code fast} (default) or {@code exact} (POT's procedure). */
    static final String RANKING = "ranking";
    /** pot4j addition: nodes the fast ranking scores exactly after the proxy ({@code auto} = 8-16). */
    static final String RANKING_CANDIDATES = "ranking_candidates";

    /** AccuracyAware's own keys (POT's plus pot4j's max_time, ranking_workers, resume, on_target_missed). */
    static final Set<String> OWN = Set.of(MAXIMAL_DROP, RANKING_SUBSET_SIZE, MAX_ITER_NUM, DROP_TYPE,
            USE_PREV_IF_DROP_INCREASE, BASE_ALGORITHM, CONVERT_TO_MIXED_PRESET, METRICS, METRIC_SUBSET_RATIO,
            MAX_TIME, RANKING_WORKERS, RESUME, ON_TARGET_MISSED, RANKING, RANKING_CANDIDATES);

    /**
     * Keys that bound or schedule the run without changing its path: a checkpoint written with other
     * values of these is still resumed (so a run stopped by max_iter_num can be extended).
     */
    static final Set<String> NOT_FINGERPRINTED = Set.of(MAX_ITER_NUM, MAX_TIME, RANKING_WORKERS, RESUME, ON_TARGET_MISSED);

    static final String DEFAULT_BASE = "DefaultQuantization";

    double maximalDrop = 0.01;
    int rankingSubsetSize = 300;
    int maxIterNum = 30;
    DropType dropType = DropType.ABSOLUTE;
    boolean usePrevIfDropIncrease = false;
    String baseAlgorithm = DEFAULT_BASE;
    boolean convertToMixedPreset = false;
    List<MetricSelection> metrics = List.of();
    double metricSubsetRatio = 0.5;
    double maxTimeSeconds = Double.POSITIVE_INFINITY;
    int rankingWorkers;
    boolean resume = false;
    /** True for {@code on_target_missed: error}: a missed target throws instead of returning BEST_EFFORT. */
    boolean errorOnTargetMissed = false;
    /** {@code ranking}: true for POT's exact procedure, false for the fast one (see {@link FastSearch}). */
    boolean exactRanking = false;
    /** {@code ranking_candidates}: 0 = auto (8-16 by the proxy's mass), else that many. */
    int rankingCandidates = 0;
    /** Params for the base algorithm (everything that is not AccuracyAware's own). */
    Map<String, Object> baseParams = Map.of();
    /** Params that identify the run, sorted, for the checkpoint fingerprint. */
    Map<String, Object> fingerprinted = Map.of();

    /** A configured metric to control: POT's {@code metrics: [{name, baseline_value}]}. */
    record MetricSelection(String name, Double baselineValue) {
    }

    private AccuracyAwareParams() {
    }

    /**
     * Parses {@code params}; defaults fill what is missing.
     *
     * @throws Pot4jException {@code CONFIG_INVALID} naming the key, the value and the valid range
     */
    static AccuracyAwareParams parse(Map<String, Object> params, int defaultWorkers) {
        AccuracyAwareParams p = new AccuracyAwareParams();
        p.rankingWorkers = defaultWorkers;
        Map<String, Object> in = params == null ? Map.of() : params;
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
        p.baseParams = base;
        p.fingerprinted = fp;
        if (in.containsKey(MAXIMAL_DROP)) {
            p.maximalDrop = number(in, MAXIMAL_DROP);
            // a drop above 1 is no target: more than a whole [0, 1] metric, more than 100 % relative
            if (!(p.maximalDrop >= 0 && p.maximalDrop <= 1)) {
                throw invalid(MAXIMAL_DROP, in.get(MAXIMAL_DROP), "must be in [0, 1] (e.g. 0.01 for one accuracy point)");
            }
        }
        if (in.containsKey(RANKING_SUBSET_SIZE)) {
            p.rankingSubsetSize = integer(in, RANKING_SUBSET_SIZE, 1);
        }
        if (in.containsKey(MAX_ITER_NUM)) {
            p.maxIterNum = integer(in, MAX_ITER_NUM, 0);
        }
        if (in.containsKey(DROP_TYPE)) {
            p.dropType = DropType.parse(in.get(DROP_TYPE));
        }
        if (in.containsKey(USE_PREV_IF_DROP_INCREASE)) {
            p.usePrevIfDropIncrease = bool(in, USE_PREV_IF_DROP_INCREASE);
        }
        if (in.containsKey(BASE_ALGORITHM)) {
            Object v = in.get(BASE_ALGORITHM);
            if (!(v instanceof String s) || s.isBlank()) {
                throw invalid(BASE_ALGORITHM, v, "must be an algorithm name such as \"DefaultQuantization\"");
            }
            p.baseAlgorithm = s.trim();
        }
        if (in.containsKey(CONVERT_TO_MIXED_PRESET)) {
            p.convertToMixedPreset = bool(in, CONVERT_TO_MIXED_PRESET);
        }
        if (in.containsKey(METRIC_SUBSET_RATIO)) {
            p.metricSubsetRatio = number(in, METRIC_SUBSET_RATIO);
            if (!(p.metricSubsetRatio > 0 && p.metricSubsetRatio <= 1)) {
                throw invalid(METRIC_SUBSET_RATIO, in.get(METRIC_SUBSET_RATIO), "must be in (0, 1]");
            }
        }
        if (in.containsKey(MAX_TIME)) {
            p.maxTimeSeconds = number(in, MAX_TIME);
            if (!(p.maxTimeSeconds > 0)) {
                throw invalid(MAX_TIME, in.get(MAX_TIME), "must be a positive number of seconds");
            }
        }
        if (in.containsKey(RANKING_WORKERS)) {
            p.rankingWorkers = integer(in, RANKING_WORKERS, 1);
        }
        if (in.containsKey(RESUME)) {
            p.resume = bool(in, RESUME);
        }
        if (in.containsKey(METRICS)) {
            p.metrics = metrics(in.get(METRICS));
        }
        if (in.containsKey(RANKING)) {
            String s = String.valueOf(in.get(RANKING)).trim().toLowerCase(Locale.ROOT);
            if (s.equals("exact")) {
                p.exactRanking = true;
            } else if (s.equals("fast")) {
                p.exactRanking = false;
            } else {
                throw invalid(RANKING, in.get(RANKING), "must be \"fast\" (default) or \"exact\" (POT's procedure)");
            }
        }
        if (in.containsKey(RANKING_CANDIDATES) && !"auto".equals(String.valueOf(in.get(RANKING_CANDIDATES)).trim())) {
            p.rankingCandidates = integer(in, RANKING_CANDIDATES, 1);
        }
        if (in.containsKey(ON_TARGET_MISSED)) {
            String s = String.valueOf(in.get(ON_TARGET_MISSED)).toLowerCase(Locale.ROOT);
            if (!s.equals("error") && !s.equals("best_effort")) {
                throw invalid(ON_TARGET_MISSED, in.get(ON_TARGET_MISSED), "must be \"best_effort\" (default) or \"error\"");
            }
            p.errorOnTargetMissed = s.equals("error");
        }
        return p;
    }

    /** The values in effect after parsing (defaults filled in), under their config names. */
    Map<String, Object> effective() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(MAXIMAL_DROP, maximalDrop);
        m.put(DROP_TYPE, dropType.configName());
        m.put(RANKING_SUBSET_SIZE, rankingSubsetSize);
        m.put(MAX_ITER_NUM, maxIterNum);
        m.put(USE_PREV_IF_DROP_INCREASE, usePrevIfDropIncrease);
        m.put(BASE_ALGORITHM, baseAlgorithm);
        m.put(CONVERT_TO_MIXED_PRESET, convertToMixedPreset);
        m.put(METRIC_SUBSET_RATIO, metricSubsetRatio);
        m.put(ON_TARGET_MISSED, errorOnTargetMissed ? "error" : "best_effort");
        return m;
    }

    private static List<MetricSelection> metrics(Object v) {
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof List<?> list)) {
            throw invalid(METRICS, v, "must be a list like [{\"name\": \"accuracy\", \"baseline_value\": 0.72}]");
        }
        List<MetricSelection> out = new ArrayList<>();
        for (Object item : list) {
            if (item instanceof String s) {
                out.add(new MetricSelection(s, null));
            } else if (item instanceof Map<?, ?> m) {
                for (Object k : m.keySet()) {
                    if (!"name".equals(k) && !"baseline_value".equals(k)) {
                        throw new Pot4jException(ErrorCode.CONFIG_UNKNOWN_KEY, "AccuracyAwareQuantization metrics entry has unknown key '"
                                + k + "'; valid keys: [baseline_value, name]");
                    }
                }
                Object name = m.get("name");
                if (!(name instanceof String s) || s.isBlank()) {
                    throw invalid(METRICS, item, "each entry needs a \"name\" of a configured metric");
                }
                Double baseline = null;
                if (m.get("baseline_value") != null) {
                    baseline = toDouble(m.get("baseline_value"));
                    if (baseline == null || !Double.isFinite(baseline)) {
                        throw invalid(METRICS + "[" + s + "].baseline_value", m.get("baseline_value"), "must be a finite number");
                    }
                }
                out.add(new MetricSelection(s.trim(), baseline));
            } else {
                throw invalid(METRICS, item, "each entry must be {\"name\": ..., \"baseline_value\": ...}");
            }
        }
        return List.copyOf(out);
    }

    private static double number(Map<String, Object> in, String key) {
        Double d = toDouble(in.get(key));
        if (d == null || d.isNaN()) {
            throw invalid(key, in.get(key), "must be a number");
        }
        return d;
    }

    private static int integer(Map<String, Object> in, String key, int min) {
        Double d = toDouble(in.get(key));
        if (d == null || d != Math.rint(d) || d < min || d > Integer.MAX_VALUE) {
            throw invalid(key, in.get(key), "must be an integer >= " + min);
        }
        return d.intValue();
    }

    private static boolean bool(Map<String, Object> in, String key) {
        Object v = in.get(key);
        if (v instanceof Boolean b) {
            return b;
        }
        if (v instanceof String s && (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false"))) {
            return Boolean.parseBoolean(s);
        }
        throw invalid(key, v, "must be true or false");
    }

    private static Double toDouble(Object v) {
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        if (v instanceof String s) {
            try {
                return Double.parseDouble(s.trim());
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    private static Pot4jException invalid(String key, Object value, String rule) {
        return new Pot4jException(ErrorCode.CONFIG_INVALID, "AccuracyAwareQuantization parameter " + key + " = " + value
                + " is invalid: it " + rule);
    }
}
