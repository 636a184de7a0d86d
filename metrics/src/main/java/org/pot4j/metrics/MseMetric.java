package org.pot4j.metrics;

import org.pot4j.api.Tensor;

/** Mean squared error between an output and the annotation, per sample; lower is better. */
public final class MseMetric extends ReferenceMetric {
    /** @param outputIndex which model output to compare (0 = first) */
    public MseMetric(int outputIndex) {
        super("mse", false, outputIndex);
    }

    @Override
    double compute(Tensor output, double[] reference) {
        double sq = 0;
        for (int i = 0; i < reference.length; i++) {
            double d = output.getDouble(i) - reference[i];
            sq += d * d;
        }
        return reference.length == 0 ? 0 : sq / reference.length;
    }
}
