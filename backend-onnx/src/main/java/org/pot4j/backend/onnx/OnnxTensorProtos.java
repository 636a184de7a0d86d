package org.pot4j.backend.onnx;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.pot4j.api.DataType;
import org.pot4j.backend.onnx.proto.OnnxProtos.TensorProto;

/** Reads and builds ONNX {@code TensorProto} initializers (raw little-endian data or typed fields). */
final class OnnxTensorProtos {
    static final int FLOAT = TensorProto.DataType.FLOAT_VALUE;
    static final int UINT8 = TensorProto.DataType.UINT8_VALUE;
    static final int INT8 = TensorProto.DataType.INT8_VALUE;
    static final int INT32 = TensorProto.DataType.INT32_VALUE;
    static final int INT64 = TensorProto.DataType.INT64_VALUE;
    static final int BOOL = TensorProto.DataType.BOOL_VALUE;
    static final int DOUBLE = TensorProto.DataType.DOUBLE_VALUE;

    private OnnxTensorProtos() {
    }

    /** The tensor's dimensions. */
    static long[] shape(TensorProto t) {
        long[] s = new long[t.getDimsCount()];
        for (int i = 0; i < s.length; i++) {
            s[i] = t.getDims(i);
        }
        return s;
    }

    /** Number of elements. */
    static int elementCount(TensorProto t) {
        long n = 1;
        for (long d : t.getDimsList()) {
            n *= d;
        }
        return Math.toIntExact(n);
    }

    /** Single elements of a tensor as floats, converted as {@link #floats} converts them. */
    interface FloatView {
        float get(int index);
    }

    /**
     * A view of {@code t} that reads single elements without decoding the rest: the writer picks a few
     * rows or columns of a weight (outlier channels) for every plan it writes, and decoding the whole
     * weight each time cost more than the rest of the plan's rewrite.
     */
    static FloatView view(TensorProto t) {
        if (t.hasRawData() && (t.getDataType() == FLOAT || t.getDataType() == DOUBLE)) {
            ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            if (elementCount(t) * (t.getDataType() == FLOAT ? 4L : 8L) > b.remaining()) {
                throw unsupported(t);
            }
            return t.getDataType() == FLOAT ? i -> b.getFloat(4 * i) : i -> (float) b.getDouble(8 * i);
        }
        float[] all = floats(t);
        return i -> all[i];
    }

    /** The values of a FLOAT, DOUBLE or integer tensor as floats. */
    static float[] floats(TensorProto t) {
        int n = elementCount(t);
        float[] out = new float[n];
        int type = t.getDataType();
        if (t.hasRawData()) {
            ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n; i++) {
                out[i] = switch (type) {
                    case FLOAT -> b.getFloat();
                    case DOUBLE -> (float) b.getDouble();
                    case INT64 -> b.getLong();
                    case INT32 -> b.getInt();
                    case INT8 -> b.get();
                    case UINT8 -> Byte.toUnsignedInt(b.get());
                    default -> throw unsupported(t);
                };
            }
            return out;
        }
        switch (type) {
            case FLOAT -> {
                for (int i = 0; i < n; i++) {
                    out[i] = t.getFloatData(i);
                }
            }
            case DOUBLE -> {
                for (int i = 0; i < n; i++) {
                    out[i] = (float) t.getDoubleData(i);
                }
            }
            case INT64 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = t.getInt64Data(i);
                }
            }
            case INT32, INT8, UINT8 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = t.getInt32Data(i);
                }
            }
            default -> throw unsupported(t);
        }
        return out;
    }

    /** A FLOAT tensor. */
    static TensorProto ofFloats(String name, long[] shape, float[] data) {
        ByteBuffer b = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(data);
        return raw(name, FLOAT, shape, b.array());
    }

    /** An INT32 tensor. */
    static TensorProto ofInts(String name, long[] shape, int[] data) {
        ByteBuffer b = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(data);
        return raw(name, INT32, shape, b.array());
    }

    /** An INT8 or UINT8 tensor. */
    static TensorProto ofBytes(String name, int type, long[] shape, byte[] data) {
        return raw(name, type, shape, data.clone());
    }

    /** Size of one element of an ONNX type in bytes (0 when unknown or variable). */
    static int elementSize(int type) {
        return switch (type) {
            case FLOAT, INT32, TensorProto.DataType.UINT32_VALUE -> 4;
            case DOUBLE, INT64, TensorProto.DataType.UINT64_VALUE -> 8;
            case INT8, UINT8, BOOL -> 1;
            case TensorProto.DataType.FLOAT16_VALUE, TensorProto.DataType.BFLOAT16_VALUE,
                    TensorProto.DataType.INT16_VALUE, TensorProto.DataType.UINT16_VALUE -> 2;
            default -> 0;
        };
    }

    /** Bytes the tensor's values take (raw or typed fields). */
    static long dataBytes(TensorProto t) {
        if (t.hasRawData()) {
            return t.getRawData().size();
        }
        return (long) elementCount(t) * Math.max(1, elementSize(t.getDataType()));
    }

    /** The api element type of an ONNX type, or null when pot4j does not move that type. */
    static DataType apiType(int onnxType) {
        return switch (onnxType) {
            case FLOAT -> DataType.FLOAT32;
            case DOUBLE -> DataType.FLOAT64;
            case INT64 -> DataType.INT64;
            case INT32 -> DataType.INT32;
            case INT8 -> DataType.INT8;
            case UINT8 -> DataType.UINT8;
            case BOOL -> DataType.BOOL;
            default -> null;
        };
    }

    private static TensorProto raw(String name, int type, long[] shape, byte[] bytes) {
        TensorProto.Builder b = TensorProto.newBuilder().setName(name).setDataType(type);
        for (long d : shape) {
            b.addDims(d);
        }
        return b.setRawData(ByteString.copyFrom(bytes)).build();
    }

    private static IllegalArgumentException unsupported(TensorProto t) {
        return new IllegalArgumentException("tensor '" + t.getName() + "' has ONNX type "
                + TensorProto.DataType.forNumber(t.getDataType()) + ", which pot4j cannot read as numbers");
    }
}
