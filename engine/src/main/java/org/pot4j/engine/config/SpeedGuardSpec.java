package org.pot4j.engine.config;

import java.util.List;

/**
 * The {@code engine.speed_guard} setting: {@code true}/{@code false}, or an object
 * {@code {enabled, batch_sizes, rounds, max_measurements}}. See {@link org.pot4j.engine.speed.SpeedGuard}.
 *
 * @param enabled         whether the guard runs
 * @param batchSizes      batch sizes to time, or null for 1 and {@code engine.batch_size} when set
 * @param rounds          timed rounds per batch size and layout (default 9)
 * @param maxMeasurements most layouts timed (default 10)
 */
public record SpeedGuardSpec(boolean enabled, List<Integer> batchSizes, int rounds, int maxMeasurements) {
    /** Default timed rounds per batch size. */
    public static final int DEFAULT_ROUNDS = 9;
    /** Default most layouts timed. */
    public static final int DEFAULT_MAX_MEASUREMENTS = 10;
    /** Keys of the object form. */
    static final java.util.Set<String> KEYS = java.util.Set.of("enabled", "batch_sizes", "rounds", "max_measurements");

    /** Copies. */
    public SpeedGuardSpec {
        batchSizes = batchSizes == null ? null : List.copyOf(batchSizes);
    }

    /** On or off with the defaults. */
    public static SpeedGuardSpec of(boolean enabled) {
        return new SpeedGuardSpec(enabled, null, DEFAULT_ROUNDS, DEFAULT_MAX_MEASUREMENTS);
    }

    /** The batch sizes to time: the configured ones, else 1 and the evaluation batch size. */
    public List<Integer> batchSizesOr(Integer evaluationBatch) {
        if (batchSizes != null) {
            return batchSizes;
        }
        return evaluationBatch == null || evaluationBatch == 1 ? List.of(1) : List.of(1, evaluationBatch);
    }
}
