package org.pot4j.backend.onnx;

/** IEEE 754 binary16 conversion (Java 17 has no {@code Float.floatToFloat16}). */
final class OnnxHalfFloats {
    /** Smallest normal float16. */
    static final float MIN_NORMAL = 6.1035156e-5f;
    /** Largest float16. */
    static final float MAX = 65504f;

    private OnnxHalfFloats() {
    }

    /** The nearest float16 (round half to even) of a finite value inside float16's normal range, as its bits. */
    static short fromFloat(float f) {
        int bits = Float.floatToIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = ((bits >>> 23) & 0xff) - 127 + 15;
        int mant = bits & 0x7fffff;
        if (exp <= 0 || exp >= 31) {
            throw new IllegalArgumentException("outside float16's normal range: " + f);
        }
        int half = sign | (exp << 10) | (mant >>> 13);
        int rest = mant & 0x1fff;
        if (rest > 0x1000 || (rest == 0x1000 && (half & 1) == 1)) {
            half++; // a carry into the exponent is still the correctly rounded value
        }
        return (short) half;
    }

    /**
     * The nearest float16 of any finite value: subnormals rounded to the nearest multiple of 2^-24 (down to
     * signed zero), values beyond float16's range clamped to +-65504. For weights, where tiny values are
     * legitimate and the product tolerates their rounding.
     */
    static short fromFiniteFloat(float f) {
        float a = Math.abs(f);
        int sign = (Float.floatToIntBits(f) >>> 16) & 0x8000;
        if (a > MAX) {
            return (short) (sign | 0x7bff);
        }
        if (a >= MIN_NORMAL) {
            return fromFloat(f);
        }
        int m = (int) Math.rint(a / 5.9604645e-8f); // 2^-24, the float16 subnormal step; rint rounds half to even
        return (short) (sign | m); // m == 1024 is exactly MIN_NORMAL's bits
    }

    /** The float value of float16 bits. */
    static float toFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0) {
            return Float.intBitsToFloat(sign) + (sign != 0 ? -1 : 1) * mant * 5.9604645e-8f;
        }
        if (exp == 31) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }
}
