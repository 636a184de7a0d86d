package org.pot4j.api.quant;

/**
 * Per-tensor affine quantizer of an activation: {@code q = clamp(round(x / scale) + zeroPoint, qmin, qmax)}.
 * Unsigned activations ({@code signed == false}) use {@code [0, 2^bits - 1]}, which ONNX Runtime's
 * integer kernels run fastest; signed use {@code [-2^(bits-1), 2^(bits-1) - 1]}.
 *
 * @param bits      number of bits, 8 for INT8
 * @param signed    int8 (true) or uint8 (false) storage
 * @param scale     step size, &gt; 0
 * @param zeroPoint integer that represents real 0, inside {@code [qmin, qmax]}
 */
public record ActivationQuantizer(int bits, boolean signed, float scale, int zeroPoint) {
    /** Validates. */
    public ActivationQuantizer {
        if (bits < 2 || bits > 16) {
            throw new IllegalArgumentException("bits must be in [2, 16]: " + bits);
        }
        if (!(scale > 0) || !Float.isFinite(scale)) {
            throw new IllegalArgumentException("scale must be positive and finite: " + scale);
        }
        int lo = signed ? -(1 << (bits - 1)) : 0;
        int hi = signed ? (1 << (bits - 1)) - 1 : (1 << bits) - 1;
        if (zeroPoint < lo || zeroPoint > hi) {
            throw new IllegalArgumentException("zero point " + zeroPoint + " outside [" + lo + ", " + hi + "]");
        }
    }

    /** Smallest quantized value. */
    public int qmin() {
        return signed ? -(1 << (bits - 1)) : 0;
    }

    /** Largest quantized value. */
    public int qmax() {
        return signed ? (1 << (bits - 1)) - 1 : (1 << bits) - 1;
    }

    /** Smallest real value representable (for FakeQuant-style runtimes that take a range). */
    public float rangeMin() {
        return (qmin() - zeroPoint) * scale;
    }

    /** Largest real value representable. */
    public float rangeMax() {
        return (qmax() - zeroPoint) * scale;
    }

    /** {@code x} quantized and dequantized, as the runtime will compute it. */
    public float fakeQuantize(float x) {
        float q = Math.round(x / scale) + zeroPoint;
        q = Math.max(qmin(), Math.min(qmax(), q));
        return (q - zeroPoint) * scale;
    }
}
