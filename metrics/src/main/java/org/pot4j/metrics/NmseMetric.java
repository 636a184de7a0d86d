package org.pot4j.metrics;

import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.Tensor;

/**
 * Normalized squared error {@code ||y - ref||^2 / ||ref||^2} per sample; lower is better. Unlike
 * MSE it does not depend on the scale of the output, so one threshold fits every model.
 */
public final class NmseMetric extends ReferenceMetric {
    /** @param outputIndex which model output to compare (0 = first) */
    public NmseMetric(int outputIndex) {
        this(outputIndex, null);
    }

    /**
     * @param outputIndex which model output to compare (0 = first)
     * @param maskInput   the model input marking real tokens (axis 1 of the output), or null
     */
    public NmseMetric(int outputIndex, String maskInput) {
        super("nmse", false, outputIndex, maskInput);
    }

    @Override
    double computeMasked(Tensor output, double[] reference, boolean[] tokens) {
        int width = reference.length / tokens.length;
        double err = 0;
        double norm = 0;
        for (int t = 0; t < tokens.length; t++) {
            for (int i = t * width; tokens[t] && i < (t + 1) * width; i++) {
                double d = output.getDouble(i) - reference[i];
                err += d * d;
                norm += reference[i] * reference[i];
            }
        }
        if (norm == 0) {
            throw new Pot4jException(ErrorCode.METRIC_FAILED, "metric 'nmse' is undefined when the annotation is zero on every"
                    + " real token; use 'mse' for this model");
        }
        return err / norm;
    }

    @Override
    double compute(Tensor output, double[] reference) {
        double err = 0;
        double norm = 0;
        for (int i = 0; i < reference.length; i++) {
            double d = output.getDouble(i) - reference[i];
            err += d * d;
            norm += reference[i] * reference[i];
        }
        if (norm == 0) {
            // a ratio to zero has no meaning; say so instead of averaging in an infinity
            throw new Pot4jException(ErrorCode.METRIC_FAILED, "metric 'nmse' is undefined for an all-zero annotation"
                    + " (reference " + reference.length + " zeros); use 'mse' for this model");
        }
        return err / norm;
    }
}
