package org.pot4j.metrics;

import java.util.List;
import java.util.Map;
import org.pot4j.api.Tensor;
import org.pot4j.api.metric.Metric;

/**
 * Base of the metrics that compare one model output with a reference of the same shape (the
 * annotation; with {@code annotation: fp32_output} the FP32 model's output): each update yields
 * one per-sample value, {@code avgValue()} is their mean.
 *
 * <p>With a mask input ({@code mask_input: attention_mask}) the annotation must also carry that input
 * (the engine attaches it, see {@link MetricInputs#mask}); the output's axis 1 is then the token axis,
 * and only tokens whose mask is non-zero count: padding of a sentence encoder is excluded.
 */
abstract class ReferenceMetric implements Metric {
    private final String name;
    private final boolean higherBetter;
    private final int outputIndex;
    private final String maskInput;
    private final boolean minimum;
    private double min = Double.NaN;
    private double lastValue = Double.NaN;
    private double sum;
    private long count;

    ReferenceMetric(String name, boolean higherBetter, int outputIndex) {
        this(name, higherBetter, outputIndex, null);
    }

    /** @param maskInput name of the model input that marks real tokens, or null for no mask */
    ReferenceMetric(String name, boolean higherBetter, int outputIndex, String maskInput) {
        this(name, higherBetter, outputIndex, maskInput, false);
    }

    /** @param minimum {@code avgValue()} is the minimum over samples instead of the mean */
    ReferenceMetric(String name, boolean higherBetter, int outputIndex, String maskInput, boolean minimum) {
        this.minimum = minimum;
        this.maskInput = maskInput;
        this.name = name;
        this.higherBetter = higherBetter;
        this.outputIndex = outputIndex;
    }

    /** The per-sample value of {@code output} against {@code reference} (same element count). */
    abstract double compute(Tensor output, double[] reference);

    /**
     * The per-sample value over the real tokens only ({@code tokens[i]} for index {@code i} of the
     * output's axis 1); metrics that take {@code mask_input} override it.
     */
    double computeMasked(Tensor output, double[] reference, boolean[] tokens) {
        throw new IllegalStateException(name + " has no masked form");
    }

    final String name() {
        return name;
    }

    @Override
    public final void update(List<Tensor> outputs, Object annotation) {
        Tensor output = MetricInputs.output(name, outputs, outputIndex);
        double[] reference = MetricInputs.reference(name, annotation);
        MetricInputs.sameSize(name, output, reference);
        double v = maskInput == null ? compute(output, reference)
                : computeMasked(output, reference, MetricInputs.mask(name, annotation, maskInput, output));
        lastValue = v;
        sum += v;
        count++;
        min = count == 1 ? v : Math.min(min, v);
    }

    @Override
    public final Map<String, Double> value() {
        return Map.of(name, lastValue);
    }

    @Override
    public final Map<String, Double> avgValue() {
        return Map.of(name, count == 0 ? Double.NaN : minimum ? min : sum / count);
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
        min = Double.NaN;
    }

    @Override
    public final Map<String, Map<String, String>> attributes() {
        return Map.of(name, Map.of("direction", higherBetter ? "higher-better" : "higher-worse", "type", name));
    }
}
