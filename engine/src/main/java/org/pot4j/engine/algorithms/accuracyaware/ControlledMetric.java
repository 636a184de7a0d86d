package org.pot4j.engine.algorithms.accuracyaware;

/**
 * A metric value AccuracyAware keeps within {@code maximal_drop}, with the FP32 baseline it is
 * compared against.
 *
 * @param name               the metric key ({@code Metric.value()} key, or {@code validation})
 * @param type               the metric type from its attributes
 * @param metricIndex        position of its metric in the context's metric list (-1 for a validation function)
 * @param higherBetter       direction
 * @param perSample          true when it has meaningful per-sample values (ranked by it), false = ranked by NMSE
 * @param baseline           the FP32 value drops are measured against
 * @param baselineSource     {@code measured}, {@code config}, or why a configured value was not used
 * @param configuredBaseline the {@code baseline_value} given in the config, or null
 * @param measured           the FP32 value measured by pot4j (on the comparison subset when a baseline was given)
 */
record ControlledMetric(String name, String type, int metricIndex, boolean higherBetter, boolean perSample,
        double baseline, String baselineSource, Double configuredBaseline, double measured) {

    /** The drop of {@code value} against the baseline. */
    double drop(DropType type, double value) {
        return type.drop(baseline, value, higherBetter);
    }

    /** +1 when higher is better, -1 otherwise: multiplies a value so that higher is better. */
    double orientation() {
        return higherBetter ? 1 : -1;
    }
}
