package org.pot4j.api.quant;

import java.util.Map;
import java.util.Objects;

/**
 * What an algorithm returns: the plan to apply, whether it met its target, and a report of what it
 * did (JSON-friendly values: numbers, strings, lists, maps).
 *
 * @param plan   the plan to compile or save
 * @param status outcome
 * @param report algorithm-specific facts for {@code report.json}
 */
public record QuantizationResult(QuantizationPlan plan, Status status, Map<String, Object> report) {
    /** Validates. */
    public QuantizationResult {
        Objects.requireNonNull(plan, "plan");
        Objects.requireNonNull(status, "status");
        report = report == null ? Map.of() : Map.copyOf(report);
    }

    /** A result with no target to meet. */
    public static QuantizationResult completed(QuantizationPlan plan, Map<String, Object> report) {
        return new QuantizationResult(plan, Status.COMPLETED, report);
    }

    /** Outcome of an algorithm run. */
    public enum Status {
        /** The algorithm has no accuracy target and finished. */
        COMPLETED,
        /** The accuracy target was met. */
        TARGET_MET,
        /** The target was not met; the plan is the best found. */
        BEST_EFFORT
    }
}
