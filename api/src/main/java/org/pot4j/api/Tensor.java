package org.pot4j.api;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A dense, row-major tensor: a shape, a {@link DataType} and a primitive array. No framework type
 * leaks through it, so datasets, metrics and backends exchange data without depending on each
 * other.
 *
 * <p>The backing array is shared, not copied, for speed: callers must treat what {@link #floats()}
 * and its siblings return as read-only.
 */
public final class Tensor {
    private final long[] shape;
    private final DataType dataType;
    private final Object data;

    private Tensor(long[] shape, DataType dataType, Object data, int length) {
        this.shape = shape.clone();
        this.dataType = Objects.requireNonNull(dataType, "dataType");
        this.data = data;
        long expected = elementCount(this.shape);
        if (expected != length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + expected
                    + " elements but " + length + " were given");
        }
    }

    /** A FLOAT32 tensor over {@code data} (not copied). */
    public static Tensor ofFloats(long[] shape, float[] data) {
        return new Tensor(shape, DataType.FLOAT32, data, data.length);
    }

    /** A FLOAT64 tensor over {@code data} (not copied). */
    public static Tensor ofDoubles(long[] shape, double[] data) {
        return new Tensor(shape, DataType.FLOAT64, data, data.length);
    }

    /** An INT64 tensor over {@code data} (not copied). */
    public static Tensor ofLongs(long[] shape, long[] data) {
        return new Tensor(shape, DataType.INT64, data, data.length);
    }

    /** An INT32 tensor over {@code data} (not copied). */
    public static Tensor ofInts(long[] shape, int[] data) {
        return new Tensor(shape, DataType.INT32, data, data.length);
    }

    /** An INT8, UINT8 or BOOL tensor over {@code data} (not copied). */
    public static Tensor ofBytes(long[] shape, DataType type, byte[] data) {
        if (type.byteSize() != 1) {
            throw new IllegalArgumentException("byte data cannot hold " + type);
        }
        return new Tensor(shape, type, data, data.length);
    }

    /** A zero-filled tensor. */
    public static Tensor zeros(long[] shape, DataType type) {
        int n = Math.toIntExact(elementCount(shape));
        switch (type) {
            case FLOAT32: return ofFloats(shape, new float[n]);
            case FLOAT64: return ofDoubles(shape, new double[n]);
            case INT64: return ofLongs(shape, new long[n]);
            case INT32: return ofInts(shape, new int[n]);
            default: return ofBytes(shape, type, new byte[n]);
        }
    }

    /** Number of elements a tensor of {@code shape} holds. */
    public static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("dynamic dimension in concrete shape " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** The shape (a copy). */
    public long[] shape() {
        return shape.clone();
    }

    /** Size of dimension {@code axis}. */
    public long dim(int axis) {
        return shape[axis];
    }

    /** Number of dimensions. */
    public int rank() {
        return shape.length;
    }

    /** The element type. */
    public DataType dataType() {
        return dataType;
    }

    /** Number of elements. */
    public int size() {
        return Math.toIntExact(elementCount(shape));
    }

    /** The FLOAT32 backing array (read-only by contract). */
    public float[] floats() {
        return (float[]) checked(DataType.FLOAT32);
    }

    /** The FLOAT64 backing array (read-only by contract). */
    public double[] doubles() {
        return (double[]) checked(DataType.FLOAT64);
    }

    /** The INT64 backing array (read-only by contract). */
    public long[] longs() {
        return (long[]) checked(DataType.INT64);
    }

    /** The INT32 backing array (read-only by contract). */
    public int[] ints() {
        return (int[]) checked(DataType.INT32);
    }

    /** The INT8, UINT8 or BOOL backing array (read-only by contract). */
    public byte[] bytes() {
        if (dataType.byteSize() != 1) {
            throw new IllegalStateException("tensor holds " + dataType + ", not bytes");
        }
        return (byte[]) data;
    }

    /** The backing primitive array, whatever its type. */
    public Object rawData() {
        return data;
    }

    /** Element {@code i} (flat index) as a double, for any type; UINT8 is read unsigned. */
    public double getDouble(int i) {
        switch (dataType) {
            case FLOAT32: return ((float[]) data)[i];
            case FLOAT64: return ((double[]) data)[i];
            case INT64: return ((long[]) data)[i];
            case INT32: return ((int[]) data)[i];
            case UINT8: return Byte.toUnsignedInt(((byte[]) data)[i]);
            default: return ((byte[]) data)[i];
        }
    }

    /** A new float array with every element converted; FLOAT32 data is copied. */
    public float[] toFloatArray() {
        int n = size();
        float[] out = new float[n];
        if (dataType == DataType.FLOAT32) {
            System.arraycopy(data, 0, out, 0, n);
        } else {
            for (int i = 0; i < n; i++) {
                out[i] = (float) getDouble(i);
            }
        }
        return out;
    }

    /** The same data under another shape with the same element count. */
    public Tensor reshape(long... newShape) {
        return new Tensor(newShape, dataType, data, size());
    }

    /** Shape with a leading batch dimension of 1 added. */
    public Tensor withBatchDim() {
        long[] s = new long[shape.length + 1];
        s[0] = 1;
        System.arraycopy(shape, 0, s, 1, shape.length);
        return reshape(s);
    }

    /** Item {@code index} along the first dimension, with that dimension kept as 1. */
    public Tensor slice(int index) {
        if (shape.length == 0 || index < 0 || index >= shape[0]) {
            throw new IndexOutOfBoundsException("index " + index + " outside shape " + Arrays.toString(shape));
        }
        long[] s = shape.clone();
        s[0] = 1;
        int n = Math.toIntExact(elementCount(s));
        Object part = java.lang.reflect.Array.newInstance(data.getClass().getComponentType(), n);
        System.arraycopy(data, index * n, part, 0, n);
        return new Tensor(s, dataType, part, n);
    }

    /**
     * Joins tensors along the first dimension; all must share type and trailing shape.
     *
     * @throws IllegalArgumentException when they do not
     */
    public static Tensor concat(List<Tensor> parts) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("nothing to concatenate");
        }
        Tensor first = parts.get(0);
        if (parts.size() == 1) {
            return first;
        }
        long rows = 0;
        int total = 0;
        for (Tensor t : parts) {
            if (t.dataType != first.dataType || t.rank() != first.rank() || t.rank() == 0
                    || !Arrays.equals(t.shape, 1, t.rank(), first.shape, 1, first.rank())) {
                throw new IllegalArgumentException("cannot concatenate " + t + " with " + first);
            }
            rows += t.shape[0];
            total += t.size();
        }
        long[] s = first.shape.clone();
        s[0] = rows;
        Object out = java.lang.reflect.Array.newInstance(first.data.getClass().getComponentType(), total);
        int pos = 0;
        for (Tensor t : parts) {
            System.arraycopy(t.data, 0, out, pos, t.size());
            pos += t.size();
        }
        return new Tensor(s, first.dataType, out, total);
    }

    private Object checked(DataType expected) {
        if (dataType != expected) {
            throw new IllegalStateException("tensor holds " + dataType + ", not " + expected);
        }
        return data;
    }

    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(shape) + " " + dataType;
    }
}
