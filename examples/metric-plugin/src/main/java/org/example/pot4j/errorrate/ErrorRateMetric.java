package org.example.pot4j.errorrate;

import java.util.List;
import java.util.Map;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.Tensor;
import org.pot4j.api.metric.Metric;

/**
 * Classification error rate: the share of samples whose label is not the arg-max of the model's
 * single output. Lower is better, so {@link #higherBetter()} is false and the direction attribute
 * says {@code higher-worse}; AccuracyAware then treats a rise as an accuracy drop.
 */
public final class ErrorRateMetric implements Metric {
    static final String NAME = "error_rate";

    private double last = Double.NaN;
    private long errors;
    private long samples;

    @Override
    public Map<String, Double> value() {
        return Map.of(NAME, last);
    }

    @Override
    public Map<String, Double> avgValue() {
        return Map.of(NAME, samples == 0 ? Double.NaN : (double) errors / samples);
    }

    @Override
    public boolean higherBetter() {
        return false;
    }

    @Override
    public void update(List<Tensor> outputs, Object annotation) {
        if (outputs == null || outputs.size() != 1) {
            throw new Pot4jException(ErrorCode.METRIC_FAILED, "metric '" + NAME + "' needs a model with one output but got "
                    + (outputs == null ? 0 : outputs.size()));
        }
        // check the annotation's type ourselves: a ClassCastException would not tell the user anything
        if (!(annotation instanceof Integer || annotation instanceof Long)) {
            throw new Pot4jException(ErrorCode.METRIC_FAILED, "metric '" + NAME + "' needs an integer class label as annotation"
                    + " but got " + (annotation == null ? "null" : annotation.getClass().getSimpleName()));
        }
        Tensor scores = outputs.get(0);
        long label = ((Number) annotation).longValue();
        if (label < 0 || label >= scores.size()) {
            throw new Pot4jException(ErrorCode.METRIC_FAILED, "metric '" + NAME + "': label " + label
                    + " is outside the " + scores.size() + " classes of the output");
        }
        int best = 0;
        for (int c = 1; c < scores.size(); c++) {
            if (scores.getDouble(c) > scores.getDouble(best)) {
                best = c;
            }
        }
        last = best == label ? 0.0 : 1.0;
        errors += (long) last;
        samples++;
    }

    @Override
    public void reset() {
        last = Double.NaN;
        errors = 0;
        samples = 0;
    }

    @Override
    public Map<String, Map<String, String>> attributes() {
        return Map.of(NAME, Map.of("direction", "higher-worse", "type", "error_rate"));
    }
}
