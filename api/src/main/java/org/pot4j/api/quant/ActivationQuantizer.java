package org.pot4j.api.quant;

/**
 * Per-tensor affine quantizer of an activation: {@code q = clamp(round(x / scale) + zeroPoint, qmin, qmax)}.
 * Unsigned activations ({@code signed == false}) use {@code [0, 2^bits - 1]}, which ONNX Runtime's
 * integer kernels run fastest; signed use {@code [-2^(bits-1), 2^(bits-1) - 1]}.
 *
 * <p>A <b>dynamic</b> quantizer ({@link #dynamic(int)}) leaves the range to run time: the backend
 * computes scale and zero point from each batch (ONNX Runtime's {@code DynamicQuantizeLinear}), so
 * {@code scale} and {@code zeroPoint} are placeholders (1 and 0) and no calibration statistics are
 * needed. Only backends with {@link org.pot4j.api.model.BackendCapability#DYNAMIC_ACTIVATIONS} get
 * dynamic quantizers from the engine.
 *
 * @param bits      number of bits, 8 for INT8
 * @param signed    int8 (true) or uint8 (false) storage
 * @param scale     step size, &gt; 0
 * @param zeroPoint integer that represents real 0, inside {@code [qmin, qmax]}
 * @param dynamic   true when the range is computed at run time from each batch
 */
public record ActivationQuantizer(int bits, boolean signed, float scale, int zeroPoint, boolean dynamic) {
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

    /** A static quantizer (range fixed from calibration statistics). */
    public ActivationQuantizer(int bits, boolean signed, float scale, int zeroPoint) {
        this(bits, signed, scale, zeroPoint, false);
    }

    /** An unsigned quantizer whose range the runtime computes from each batch. */
    public static ActivationQuantizer dynamic(int bits) {
        return new ActivationQuantizer(bits, false, 1f, 0, true);
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

    /**
     * {@code x} quantized and dequantized, as the runtime will compute it; a dynamic quantizer's
     * range is unknown before run time, so it returns {@code x}.
     */
    public float fakeQuantize(float x) {
        if (dynamic) {
            return x;
        }
        float q = Math.round(x / scale) + zeroPoint;
        q = Math.max(qmin(), Math.min(qmax(), q));
        return (q - zeroPoint) * scale;
    }
}
