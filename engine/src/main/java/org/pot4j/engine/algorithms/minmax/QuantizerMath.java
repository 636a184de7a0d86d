package org.pot4j.engine.algorithms.minmax;

import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.Tensor;
import org.pot4j.api.quant.ActivationQuantizer;
import org.pot4j.api.quant.WeightQuantizer;

/**
 * Turns ranges into quantizer parameters. Pure functions, so the rules are tested directly:
 * <ul>
 * <li>a non-negative activation (calibrated min &gt;= 0, e.g. after ReLU) is unsigned with zero
 *     point 0 and {@code scale = max / (2^bits - 1)}: the layout ONNX Runtime runs fastest;</li>
 * <li>otherwise symmetric activations are signed with zero point 0 and
 *     {@code scale = absmax / (2^(bits-1) - 1)};</li>
 * <li>asymmetric activations are unsigned over {@code [min(lo, 0), max(hi, 0)]} (zero always
 *     exactly representable) with a rounded zero point;</li>
 * <li>weights are signed, symmetric, narrow range {@code [-(2^(bits-1) - 1), 2^(bits-1) - 1]}, one
 *     scale per output channel or per tensor.</li>
 * </ul>
 * A degenerate range (all values equal to 0) gets a tiny positive scale instead of 0 or NaN.
 */
public final class QuantizerMath {
    /** Range used when calibration saw only zeros, so the scale stays positive. */
    public static final double DEGENERATE_RANGE = 1e-6;

    private QuantizerMath() {
    }

    /**
     * The quantizer of an activation tensor from its calibrated range.
     *
     * @param lo        calibrated low end (decides signedness)
     * @param hi        calibrated high end
     * @param highIsAbs true when {@code hi} is an absolute-value statistic: a symmetric range then
     *                  takes its magnitude from {@code hi} alone and {@code lo} only decides the sign
     *                  (POT); otherwise from the larger of {@code |lo|} and {@code |hi|}
     * @param symmetric symmetric (performance) or asymmetric (mixed) mode
     * @param bits      number of bits
     * @throws Pot4jException {@code DATA_NOT_FINITE} when the range is not finite
     */
    public static ActivationQuantizer activation(String tensor, double lo, double hi, boolean highIsAbs, boolean symmetric,
                                                 int bits) {
        if (!Double.isFinite(lo) || !Double.isFinite(hi)) {
            throw new Pot4jException(ErrorCode.DATA_NOT_FINITE, "activation '" + tensor + "' had range [" + lo + ", " + hi
                    + "] on the calibration data; the FP32 model overflows or produces NaN there, check the data preprocessing");
        }
        int unsignedLevels = (1 << bits) - 1;
        if (lo >= 0) {
            return new ActivationQuantizer(bits, false, scale(Math.max(hi, 0), unsignedLevels), 0);
        }
        if (symmetric) {
            int qmax = (1 << (bits - 1)) - 1;
            double magnitude = highIsAbs ? Math.abs(hi) : Math.max(Math.abs(hi), Math.abs(lo));
            return new ActivationQuantizer(bits, true, scale(magnitude, qmax), 0);
        }
        double low = Math.min(lo, 0);
        double high = Math.max(hi, 0);
        float scale = scale(high - low, unsignedLevels);
        int zeroPoint = (int) Math.max(0, Math.min(unsignedLevels, Math.round(-low / scale)));
        return new ActivationQuantizer(bits, false, scale, zeroPoint);
    }

    /**
     * The symmetric weight quantizer of {@code weight}: per channel along {@code axis}, or per tensor
     * when {@code axis < 0}.
     *
     * @param outlierProb 0 for the absolute maximum of each channel, else the {@code 1 - outlierProb}
     *                    quantile of its absolute values
     */
    public static WeightQuantizer weights(Tensor weight, int axis, int bits, double outlierProb) {
        float[] w = weight.toFloatArray();
        long[] shape = weight.shape();
        int channels = axis < 0 ? 1 : (int) shape[axis];
        long inner = 1;
        for (int i = axis + 1; axis >= 0 && i < shape.length; i++) {
            inner *= shape[i];
        }
        int qmax = (1 << (bits - 1)) - 1;
        float[] scales = new float[channels];
        if (outlierProb <= 0) {
            double[] absMax = new double[channels];
            for (int i = 0; i < w.length; i++) {
                int c = axis < 0 ? 0 : (int) ((i / inner) % channels);
                absMax[c] = Math.max(absMax[c], Math.abs(w[i]));
            }
            for (int c = 0; c < channels; c++) {
                scales[c] = scale(absMax[c], qmax);
            }
        } else {
            int perChannel = w.length / channels;
            float[][] values = new float[channels][perChannel];
            int[] fill = new int[channels];
            for (int i = 0; i < w.length; i++) {
                int c = axis < 0 ? 0 : (int) ((i / inner) % channels);
                values[c][fill[c]++] = Math.abs(w[i]);
            }
            for (int c = 0; c < channels; c++) {
                java.util.Arrays.sort(values[c]);
                double pos = (1 - outlierProb) * (perChannel - 1);
                int k = (int) Math.floor(pos);
                double v = k + 1 < perChannel ? values[c][k] + (pos - k) * (values[c][k + 1] - values[c][k]) : values[c][k];
                scales[c] = scale(v, qmax);
            }
        }
        return new WeightQuantizer(bits, axis < 0 ? -1 : axis, scales, new int[channels], true);
    }

    /** {@code range / levels}, never 0, NaN or subnormal. */
    static float scale(double range, int levels) {
        double r = range > 0 && Double.isFinite(range) ? range : DEGENERATE_RANGE;
        float s = (float) (r / levels);
        return s >= Float.MIN_NORMAL ? s : (float) (DEGENERATE_RANGE / levels);
    }
}
