package org.pot4j.engine.report;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import java.util.List;
import java.util.Map;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;

/**
 * What the AccuracyAware HTML page shows, typed: the part of the AccuracyAware report (the map that
 * also goes to {@code accuracy-aware-report.json}) the page reads, bound once by Jackson from the
 * report's snake_case keys ({@link #of}). Whole counts are {@code Integer} and measured values
 * {@code Double} because the page prints them differently; a value the report leaves out is null
 * (an empty cell), a list or map it leaves out is empty.
 *
 * @param status                 {@code TARGET_MET} or {@code BEST_EFFORT}
 * @param stopReason             why the search stopped, or null
 * @param maximalDrop            the target
 * @param dropType               {@code absolute} or {@code relative}
 * @param initialDrop            the drop before reverting
 * @param finalDrop              the drop of the saved plan
 * @param baseAlgorithm          the algorithm whose plan the search started from
 * @param presetConvertedToMixed true when the preset was changed to mixed first
 * @param revertedCount          nodes reverted to FP32
 * @param quantizedNodeCount     quantized nodes before reverting
 * @param revertedPercent        their share, in percent
 * @param validationSamples      samples of the validation set
 * @param rankingSubsetSize      samples the ranking runs on
 * @param ranking                {@code exact} or {@code fast}
 * @param timing                 wall time, or null
 * @param cost                   where the time went, or null
 * @param resumed                true when the search continued from a checkpoint
 * @param metrics                one row per controlled metric
 * @param initialDrops           the drop of each metric before reverting
 * @param iterations             one row per node tried
 * @param revertedNodes          the nodes of the saved plan kept in FP32
 * @param rankings               the layer rankings, in order
 */
public record AccuracyAwarePage(String status, String stopReason, Double maximalDrop, String dropType, Double initialDrop,
                                Double finalDrop, String baseAlgorithm, boolean presetConvertedToMixed,
                                Integer revertedCount, Integer quantizedNodeCount, Double revertedPercent,
                                Integer validationSamples, Integer rankingSubsetSize, String ranking, Timing timing,
                                Cost cost, boolean resumed, List<MetricRow> metrics, Map<String, Double> initialDrops,
                                List<Iteration> iterations, List<String> revertedNodes, List<Ranking> rankings) {
    // ints stay ints: a fractional value where the page expects a count is a report bug, not something to round
    private static final ObjectMapper BINDER = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);

    /** Empty lists and maps for missing ones. */
    public AccuracyAwarePage {
        metrics = orEmpty(metrics);
        initialDrops = initialDrops == null ? Map.of() : initialDrops;
        iterations = orEmpty(iterations);
        revertedNodes = orEmpty(revertedNodes);
        rankings = orEmpty(rankings);
    }

    /**
     * The page's part of an AccuracyAware report.
     *
     * @throws Pot4jException {@code INTERNAL} when a value has another type than the page expects
     */
    public static AccuracyAwarePage of(Map<String, ?> report) {
        try {
            return BINDER.convertValue(report, AccuracyAwarePage.class);
        } catch (IllegalArgumentException e) {
            throw new Pot4jException(ErrorCode.INTERNAL, "the AccuracyAware report does not fit its HTML page: "
                    + e.getMessage(), e);
        }
    }

    private static <T> List<T> orEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }

    /**
     * Wall time as multiples of one validation pass.
     *
     * @param totalSeconds            the whole algorithm
     * @param totalInValidationPasses the same in validation passes
     * @param validationPassSeconds   one validation pass
     * @param validationPass          which pass that is
     */
    public record Timing(Double totalSeconds, Double totalInValidationPasses, Double validationPassSeconds,
                         String validationPass) {
    }

    /**
     * Where the time went: passes and seconds of the ranking, the screening and the validation of
     * plans, and before the search.
     *
     * @param rankingPasses     ranking model runs, in validation passes
     * @param rankingSeconds    their wall time
     * @param screenPasses      screening runs on the ranking subset, in validation passes
     * @param screenSeconds     their wall time
     * @param validationPasses  full validation passes of candidate plans
     * @param validationSeconds their wall time
     * @param baseSeconds       the base algorithm
     * @param initialPasses     passes before the search
     * @param initialSeconds    their wall time
     */
    public record Cost(Double rankingPasses, Double rankingSeconds, Double screenPasses, Double screenSeconds,
                       Integer validationPasses, Double validationSeconds, Double baseSeconds, Integer initialPasses,
                       Double initialSeconds) {
    }

    /**
     * One controlled metric.
     *
     * @param name           its key
     * @param direction      {@code higher-better} or {@code higher-worse}
     * @param baseline       the FP32 value the drop is measured from
     * @param baselineSource where the baseline came from
     * @param int8           the value before reverting
     * @param finalValue     the value of the saved plan ({@code final})
     * @param finalDrop      its drop
     */
    public record MetricRow(String name, String direction, Double baseline, String baselineSource, Double int8,
                            @JsonProperty("final") Double finalValue, Double finalDrop) {
    }

    /**
     * One node tried.
     *
     * @param iteration the iteration number
     * @param node      the node
     * @param opType    its op type
     * @param group     the nodes reverted with it
     * @param action    {@code reverted}, {@code rolled_back}, ...
     * @param drop      the drop after it
     * @param values    metric values after it
     * @param drops     the drop of each metric after it
     * @param reranked  true when the nodes were ranked again before it
     * @param seconds   wall time of the iteration
     */
    public record Iteration(Integer iteration, String node, String opType, List<String> group, String action, Double drop,
                            Map<String, Double> values, Map<String, Double> drops, boolean reranked, Double seconds) {
        /** Empty group for a missing one. */
        public Iteration {
            group = orEmpty(group);
        }
    }

    /**
     * One layer ranking.
     *
     * @param iteration the iteration it was made before
     * @param basis     what the score is (a metric, NMSE to FP32)
     * @param kind      {@code exact}, {@code fast} or {@code lazy}
     * @param confirmed entries scored exactly after the pre-rank
     * @param entries   the nodes, the one reverted first first
     */
    public record Ranking(Integer iteration, String basis, String kind, Integer confirmed, List<RankRow> entries) {
        /** Empty entries for missing ones. */
        public Ranking {
            entries = orEmpty(entries);
        }
    }

    /**
     * One node of a ranking.
     *
     * @param rank      its place
     * @param node      the node
     * @param opType    its op type
     * @param group     the nodes reverted with it
     * @param score     its score
     * @param metricSum the metric sum it was scored by
     * @param nmse      NMSE to FP32
     * @param proxy     the pre-rank's NMSE gain, or null
     */
    public record RankRow(Integer rank, String node, String opType, List<String> group, Double score, Double metricSum,
                          Double nmse, Double proxy) {
        /** Empty group for a missing one. */
        public RankRow {
            group = orEmpty(group);
        }
    }
}
