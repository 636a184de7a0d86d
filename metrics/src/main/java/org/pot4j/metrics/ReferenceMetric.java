package org.pot4j.metrics;

import java.util.List;
import java.util.Map;
import org.pot4j.api.Tensor;
import org.pot4j.api.metric.Metric;

/**
 * Base of the metrics that compare one model output with a reference of the same shape (the
 * annotation; with {@code annotation: fp32_output} the FP32 model's output): each update yields
 * one per-sample value, {@code avgValue()} is their mean.
 */
abstract class ReferenceMetric implements Metric {
    private final String name;
    private final boolean higherBetter;
    private final int outputIndex;
    private double lastValue = Double.NaN;
    private double sum;
    private long count;

    ReferenceMetric(String name, boolean higherBetter, int outputIndex) {
        this.name = name;
        this.higherBetter = higherBetter;
        this.outputIndex = outputIndex;
    }

    /** The per-sample value of {@code output} against {@code reference} (same element count). */
    abstract double compute(Tensor output, double[] reference);

    final String name() {
        return name;
    }

    @Override
    public final void update(List<Tensor> outputs, Object annotation) {
        Tensor output = MetricInputs.output(name, outputs, outputIndex);
        double[] reference = MetricInputs.reference(name, annotation);
        MetricInputs.sameSize(name, output, reference);
        double v = compute(output, reference);
        lastValue = v;
        sum += v;
        count++;
    }

    @Override
    public final Map<String, Double> value() {
        return Map.of(name, lastValue);
    }

    @Override
    public final Map<String, Double> avgValue() {
        return Map.of(name, count == 0 ? Double.NaN : sum / count);
    }

    @Override
    public final boolean higherBetter() {
        return higherBetter;
    }

    @Override
    public final void reset() {
        lastValue = Double.NaN;
        sum = 0;
        count = 0;
    }

    @Override
    public final Map<String, Map<String, String>> attributes() {
        return Map.of(name, Map.of("direction", higherBetter ? "higher-better" : "higher-worse", "type", name));
    }
}
