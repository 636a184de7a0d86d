package org.pot4j.engine.evaluation;

import java.util.List;
import org.pot4j.api.Tensor;

/**
 * Normalized mean squared error between a model's outputs and reference (FP32) outputs. Used to
 * rank samples and layers when the metric has no meaningful per-sample value (NNCF does the same).
 */
public final class OutputDistance {
    private static final double EPS = 1e-12;

    private OutputDistance() {
    }

    /**
     * {@code ||x - ref||^2 / ||ref||^2}, averaged over the outputs; 0 when both are all zero.
     *
     * @throws IllegalArgumentException when the outputs do not line up with the reference
     */
    public static double nmse(List<Tensor> outputs, List<Tensor> reference) {
        if (outputs.size() != reference.size()) {
            throw new IllegalArgumentException(outputs.size() + " outputs but " + reference.size() + " reference outputs");
        }
        double total = 0;
        for (int o = 0; o < outputs.size(); o++) {
            Tensor x = outputs.get(o);
            Tensor r = reference.get(o);
            if (x.size() != r.size()) {
                throw new IllegalArgumentException("output " + o + " has " + x.size() + " elements, reference " + r.size());
            }
            double err = 0;
            double norm = 0;
            int n = x.size();
            for (int i = 0; i < n; i++) {
                double rv = r.getDouble(i);
                double d = x.getDouble(i) - rv;
                err += d * d;
                norm += rv * rv;
            }
            total += err <= 0 ? 0 : err / Math.max(norm, EPS);
        }
        return total / Math.max(1, outputs.size());
    }
}
