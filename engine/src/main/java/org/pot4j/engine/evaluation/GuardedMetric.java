package org.pot4j.engine.evaluation;

import java.util.List;
import java.util.Map;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.Tensor;
import org.pot4j.api.metric.Metric;

/**
 * Wraps a user metric so that anything it throws, and any NaN it returns, becomes one
 * {@code METRIC_FAILED} error naming the metric and the sample: a plugin bug must not surface as an
 * anonymous stack trace deep inside an evaluation pass.
 */
final class GuardedMetric {
    private final Metric metric;
    private final String label;
    private final String datasetName;

    GuardedMetric(Metric metric, String datasetName) {
        this.metric = metric;
        this.datasetName = datasetName;
        this.label = labelOf(metric);
    }

    Metric metric() {
        return metric;
    }

    String label() {
        return label;
    }

    /** A readable name: the metric's attribute keys, else its class name. */
    static String labelOf(Metric metric) {
        try {
            Map<String, Map<String, String>> attrs = metric.attributes();
            if (attrs != null && !attrs.isEmpty()) {
                return String.join("/", new java.util.TreeSet<>(attrs.keySet()));
            }
        } catch (RuntimeException ignored) {
            // fall back to the class name: the label is only for messages
        }
        return metric.getClass().getSimpleName();
    }

    void update(List<Tensor> outputs, Object annotation, Map<String, Object> metadata, int sampleIndex) {
        try {
            metric.update(outputs, annotation, metadata);
        } catch (RuntimeException e) {
            throw failure("threw " + describe(e) + " in update", sampleIndex, e);
        }
    }

    /** The value after the last update; NaN is an error only when the metric claims per-sample values. */
    Map<String, Double> value(int sampleIndex, boolean perSample) {
        Map<String, Double> v;
        try {
            v = metric.value();
        } catch (RuntimeException e) {
            throw failure("threw " + describe(e) + " in value()", sampleIndex, e);
        }
        if (v == null || v.isEmpty()) {
            throw failure("returned no value", sampleIndex, null);
        }
        for (Map.Entry<String, Double> e : v.entrySet()) {
            if (e.getValue() == null || (perSample && e.getValue().isNaN())) {
                throw failure("returned " + e.getValue() + " for '" + e.getKey() + "'", sampleIndex, null);
            }
        }
        return v;
    }

    /** The aggregate value; NaN or null is always an error. */
    Map<String, Double> avgValue() {
        Map<String, Double> v;
        try {
            v = metric.avgValue();
        } catch (RuntimeException e) {
            throw new Pot4jException(ErrorCode.METRIC_FAILED, "metric '" + label + "' threw " + describe(e)
                    + " in avgValue() on dataset '" + datasetName + "'; fix the metric plugin", e);
        }
        if (v == null || v.isEmpty()) {
            throw new Pot4jException(ErrorCode.METRIC_FAILED, "metric '" + label + "' returned no average value on dataset '"
                    + datasetName + "'; fix the metric plugin");
        }
        for (Map.Entry<String, Double> e : v.entrySet()) {
            if (e.getValue() == null || e.getValue().isNaN()) {
                throw new Pot4jException(ErrorCode.METRIC_FAILED, "metric '" + label + "' returned " + e.getValue()
                        + " as the average of '" + e.getKey() + "' on dataset '" + datasetName
                        + "'; fix the metric plugin or the annotations");
            }
        }
        return v;
    }

    private Pot4jException failure(String what, int sampleIndex, Throwable cause) {
        return new Pot4jException(ErrorCode.METRIC_FAILED, "metric '" + label + "' " + what + " on sample "
                + sampleIndex + " of dataset '" + datasetName + "'; fix the metric plugin or that sample's annotation", cause);
    }

    private static String describe(RuntimeException e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : " (" + m.replace('\n', ' ') + ")");
    }
}
