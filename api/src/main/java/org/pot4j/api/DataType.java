package org.pot4j.api;

/** Element types a {@link Tensor} can hold; the subset of ONNX/TF/PyTorch types pot4j moves between runtimes. */
public enum DataType {
    FLOAT32(4), FLOAT64(8), INT64(8), INT32(4), INT8(1), UINT8(1), BOOL(1);

    private final int byteSize;

    DataType(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Size of one element in bytes. */
    public int byteSize() {
        return byteSize;
    }

    /** True for the floating-point types. */
    public boolean isFloatingPoint() {
        return this == FLOAT32 || this == FLOAT64;
    }
}
