package org.pot4j.backend.onnx;

import java.util.Locale;

/**
 * How an 8-bit activation tensor is stored in the QDQ graph: element type and whether its zero
 * point is 0. Any 8-bit quantizer has exactly two equivalent storages (uint8 with zero point u, or
 * int8 with zero point u - 128: the same real values), so the writer may pick whichever ONNX
 * Runtime runs faster on the CPU at hand; {@link OnnxKernelTable} holds the measured times per class.
 */
enum OnnxActivationEncoding {
    /** uint8, zero point 0 (non-negative tensors, e.g. after ReLU). */
    U8_ZP0(false, true),
    /** uint8 with another zero point (128 for a signed symmetric range, or data-dependent). */
    U8_ZP(false, false),
    /** int8, zero point 0 (signed symmetric range, NNCF's storage). */
    S8_ZP0(true, true),
    /** int8 with another zero point. */
    S8_ZP(true, false);

    private final boolean signed;
    private final boolean zeroPointZero;

    OnnxActivationEncoding(boolean signed, boolean zeroPointZero) {
        this.signed = signed;
        this.zeroPointZero = zeroPointZero;
    }

    /** int8 (true) or uint8 storage. */
    boolean signed() {
        return signed;
    }

    /** The class of a stored zero point: {@code zeroPoint} in the storage's own range. */
    static OnnxActivationEncoding of(boolean signed, int zeroPoint) {
        if (signed) {
            return zeroPoint == 0 ? S8_ZP0 : S8_ZP;
        }
        return zeroPoint == 0 ? U8_ZP0 : U8_ZP;
    }

    /** Name in the cached table and in the model metadata, e.g. {@code s8_zp0}. */
    String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The ONNX element type of the zero-point initializer. */
    int onnxType() {
        return signed ? OnnxTensorProtos.INT8 : OnnxTensorProtos.UINT8;
    }
}
