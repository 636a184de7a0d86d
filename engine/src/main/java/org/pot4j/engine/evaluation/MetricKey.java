package org.pot4j.engine.evaluation;

import java.util.Objects;

/**
 * One value a metric reports (a key of {@code Metric.value()}), with its direction. A metric may
 * report several keys; each is controlled and ranked separately.
 *
 * @param name         the key, e.g. {@code accuracy@top1}
 * @param metricIndex  position of the metric in the list the evaluator was given, or -1 for a
 *                     validation function
 * @param type         the metric type from its attributes ({@code accuracy}, ...), never null
 * @param higherBetter true when higher values are better (from the attributes' {@code direction},
 *                     else {@code Metric.higherBetter()})
 * @param perSample    true when the value after one update is meaningful per sample
 */
public record MetricKey(String name, int metricIndex, String type, boolean higherBetter, boolean perSample) {
    /** Validates. */
    public MetricKey {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
    }
}
