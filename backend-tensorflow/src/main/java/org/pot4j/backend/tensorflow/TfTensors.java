package org.pot4j.backend.tensorflow;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.pot4j.api.DataType;
import org.pot4j.api.Tensor;
import org.tensorflow.RawTensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.ByteDataBuffer;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TUint8;
import org.tensorflow.types.family.TType;

/** Copies data between pot4j {@link Tensor}s, TensorFlow tensors and {@code Const} node protos. */
final class TfTensors {
    private TfTensors() {
    }

    /** A new TensorFlow tensor holding a copy of {@code t}; the caller closes it. */
    static org.tensorflow.Tensor toTf(Tensor t) {
        Shape shape = Shape.of(t.shape());
        if (t.dataType() == DataType.FLOAT32) {
            return TFloat32.tensorOf(shape, DataBuffers.of(t.floats(), true, false));
        }
        ByteDataBuffer raw = DataBuffers.of(littleEndianBytes(t), true, false);
        return org.tensorflow.Tensor.of(javaType(t.dataType()), shape, raw);
    }

    /** A pot4j tensor holding a copy of a TensorFlow tensor's data. */
    static Tensor fromTf(org.tensorflow.Tensor t) {
        long[] shape = t.shape().asArray();
        RawTensor raw = t.asRawTensor();
        ByteDataBuffer data = raw.data();
        int n = Math.toIntExact(Tensor.elementCount(shape));
        switch (t.dataType()) {
            case DT_FLOAT: {
                float[] out = new float[n];
                data.asFloats().read(out);
                return Tensor.ofFloats(shape, out);
            }
            case DT_DOUBLE: {
                double[] out = new double[n];
                data.asDoubles().read(out);
                return Tensor.ofDoubles(shape, out);
            }
            case DT_INT64: {
                long[] out = new long[n];
                data.asLongs().read(out);
                return Tensor.ofLongs(shape, out);
            }
            case DT_INT32: {
                int[] out = new int[n];
                data.asInts().read(out);
                return Tensor.ofInts(shape, out);
            }
            case DT_UINT8:
            case DT_BOOL: {
                byte[] out = new byte[n];
                data.read(out);
                return Tensor.ofBytes(shape, t.dataType() == org.tensorflow.proto.DataType.DT_BOOL ? DataType.BOOL : DataType.UINT8, out);
            }
            default:
                throw new IllegalArgumentException("pot4j cannot read TensorFlow " + TfDataTypes.readable(t.dataType()) + " tensors");
        }
    }

    /** The raw bytes of a TensorFlow tensor (host order), for a {@code Const} proto. */
    static byte[] rawBytes(org.tensorflow.Tensor t) {
        ByteDataBuffer data = t.asRawTensor().data();
        byte[] out = new byte[Math.toIntExact(data.size())];
        data.read(out);
        return out;
    }

    /** A {@code Const} node holding {@code content} (raw little-endian element bytes). */
    static NodeDef constNode(String name, org.tensorflow.proto.DataType type, long[] shape, byte[] content) {
        TensorProto value = TensorProto.newBuilder()
                .setDtype(type)
                .setTensorShape(shapeProto(shape))
                .setTensorContent(ByteString.copyFrom(content))
                .build();
        return NodeDef.newBuilder()
                .setName(name)
                .setOp("Const")
                .putAttr("dtype", AttrValue.newBuilder().setType(type).build())
                .putAttr("value", AttrValue.newBuilder().setTensor(value).build())
                .build();
    }

    /** A float32 {@code Const} node. */
    static NodeDef floatConst(String name, long[] shape, float[] values) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(values);
        return constNode(name, org.tensorflow.proto.DataType.DT_FLOAT, shape, buf.array());
    }

    /** The shape proto of a concrete shape. */
    static TensorShapeProto shapeProto(long[] shape) {
        TensorShapeProto.Builder b = TensorShapeProto.newBuilder();
        for (long d : shape) {
            b.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
        }
        return b.build();
    }

    /** Dimensions of a shape proto, -1 where unknown; null for an unknown rank. */
    static long[] dims(TensorShapeProto shape) {
        if (shape.getUnknownRank()) {
            return null;
        }
        long[] d = new long[shape.getDimCount()];
        for (int i = 0; i < d.length; i++) {
            d[i] = shape.getDim(i).getSize();
        }
        return d;
    }

    private static Class<? extends TType> javaType(DataType type) {
        switch (type) {
            case FLOAT32: return TFloat32.class;
            case FLOAT64: return TFloat64.class;
            case INT64: return TInt64.class;
            case INT32: return TInt32.class;
            case UINT8: return TUint8.class;
            case BOOL: return TBool.class;
            default: throw new IllegalArgumentException("TensorFlow Java cannot feed " + type + " tensors");
        }
    }

    private static byte[] littleEndianBytes(Tensor t) {
        int n = t.size();
        ByteBuffer buf = ByteBuffer.allocate(n * t.dataType().byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        switch (t.dataType()) {
            case FLOAT64: buf.asDoubleBuffer().put(t.doubles()); break;
            case INT64: buf.asLongBuffer().put(t.longs()); break;
            case INT32: buf.asIntBuffer().put(t.ints()); break;
            case FLOAT32: buf.asFloatBuffer().put(t.floats()); break;
            default: buf.put(t.bytes()); break;
        }
        return buf.array();
    }
}
