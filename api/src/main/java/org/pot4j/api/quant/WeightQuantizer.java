package org.pot4j.api.quant;

import java.util.Arrays;

/**
 * Quantizer of a node's weight: per-tensor ({@code axis == -1}, one scale) or per-channel (one
 * scale and zero point per index of {@code axis}). Weights are stored as signed integers.
 *
 * @param bits        number of bits, 8 for INT8
 * @param axis        channel axis of the weight, -1 for per-tensor
 * @param scales      one scale per channel (length 1 for per-tensor)
 * @param zeroPoints  one zero point per channel (all 0 for symmetric)
 * @param narrowRange true to use {@code [-127, 127]} instead of {@code [-128, 127]} (symmetric INT8)
 */
public record WeightQuantizer(int bits, int axis, float[] scales, int[] zeroPoints, boolean narrowRange) {
    /** Validates and copies. */
    public WeightQuantizer {
        if (bits < 2 || bits > 16) {
            throw new IllegalArgumentException("bits must be in [2, 16]: " + bits);
        }
        if (scales.length == 0 || scales.length != zeroPoints.length) {
            throw new IllegalArgumentException("need one zero point per scale");
        }
        if (axis < 0 && scales.length != 1) {
            throw new IllegalArgumentException("per-tensor quantizer needs exactly one scale");
        }
        for (float s : scales) {
            if (!(s > 0) || !Float.isFinite(s)) {
                throw new IllegalArgumentException("scales must be positive and finite: " + s);
            }
        }
        scales = scales.clone();
        zeroPoints = zeroPoints.clone();
    }

    /** True when every zero point is 0. */
    public boolean symmetric() {
        for (int z : zeroPoints) {
            if (z != 0) {
                return false;
            }
        }
        return true;
    }

    /** Smallest quantized value. */
    public int qmin() {
        return -(1 << (bits - 1)) + (narrowRange ? 1 : 0);
    }

    /** Largest quantized value. */
    public int qmax() {
        return (1 << (bits - 1)) - 1;
    }

    /** The integer that stores {@code w} of channel {@code channel} (0 when per-tensor). */
    public int quantize(float w, int channel) {
        int c = axis < 0 ? 0 : channel;
        long q = Math.round(w / scales[c]) + zeroPoints[c];
        return (int) Math.max(qmin(), Math.min(qmax(), q));
    }

    /** {@code w} quantized and dequantized. */
    public float fakeQuantize(float w, int channel) {
        int c = axis < 0 ? 0 : channel;
        return (quantize(w, channel) - zeroPoints[c]) * scales[c];
    }

    @Override
    public float[] scales() {
        return scales.clone();
    }

    @Override
    public int[] zeroPoints() {
        return zeroPoints.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WeightQuantizer w && w.bits == bits && w.axis == axis && w.narrowRange == narrowRange
                && Arrays.equals(w.scales, scales) && Arrays.equals(w.zeroPoints, zeroPoints);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(scales) + Arrays.hashCode(zeroPoints) + bits + axis;
    }
}
