package org.pot4j.backend.onnx;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.TensorInfo;
import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import org.pot4j.api.DataType;
import org.pot4j.api.Tensor;

/** Converts between pot4j {@link Tensor}s and ONNX Runtime tensors. */
final class OnnxValues {
    private OnnxValues() {
    }

    /** An ORT tensor holding a copy of {@code t}; the caller closes it. */
    static OnnxTensor toOrt(OrtEnvironment env, Tensor t) throws OrtException {
        long[] shape = t.shape();
        return switch (t.dataType()) {
            case FLOAT32 -> OnnxTensor.createTensor(env, FloatBuffer.wrap(t.floats()), shape);
            case FLOAT64 -> OnnxTensor.createTensor(env, DoubleBuffer.wrap(t.doubles()), shape);
            case INT64 -> OnnxTensor.createTensor(env, LongBuffer.wrap(t.longs()), shape);
            case INT32 -> OnnxTensor.createTensor(env, IntBuffer.wrap(t.ints()), shape);
            case INT8 -> OnnxTensor.createTensor(env, ByteBuffer.wrap(t.bytes()), shape, OnnxJavaType.INT8);
            case UINT8 -> OnnxTensor.createTensor(env, ByteBuffer.wrap(t.bytes()), shape, OnnxJavaType.UINT8);
            case BOOL -> OnnxTensor.createTensor(env, ByteBuffer.wrap(t.bytes()), shape, OnnxJavaType.BOOL);
        };
    }

    /**
     * A pot4j tensor copied out of an ORT value.
     *
     * @throws IllegalArgumentException for non-tensor values or element types pot4j does not move
     */
    static Tensor fromOrt(String name, OnnxValue value) {
        if (!(value instanceof OnnxTensor ot)) {
            throw new IllegalArgumentException("output '" + name + "' is a " + value.getType() + ", not a tensor");
        }
        TensorInfo info = ot.getInfo();
        long[] shape = info.getShape();
        return switch (info.type) {
            case FLOAT -> Tensor.ofFloats(shape, array(ot.getFloatBuffer()));
            case FLOAT16, BFLOAT16 -> Tensor.ofFloats(shape, array(ot.getFloatBuffer()));
            case DOUBLE -> Tensor.ofDoubles(shape, array(ot.getDoubleBuffer()));
            case INT64 -> Tensor.ofLongs(shape, array(ot.getLongBuffer()));
            case INT32 -> Tensor.ofInts(shape, array(ot.getIntBuffer()));
            case INT8 -> Tensor.ofBytes(shape, DataType.INT8, array(ot.getByteBuffer()));
            case UINT8 -> Tensor.ofBytes(shape, DataType.UINT8, array(ot.getByteBuffer()));
            case BOOL -> Tensor.ofBytes(shape, DataType.BOOL, array(ot.getByteBuffer()));
            default -> throw new IllegalArgumentException("output '" + name + "' has element type " + info.type
                    + ", which pot4j does not support");
        };
    }

    private static float[] array(FloatBuffer b) {
        float[] a = new float[b.remaining()];
        b.get(a);
        return a;
    }

    private static double[] array(DoubleBuffer b) {
        double[] a = new double[b.remaining()];
        b.get(a);
        return a;
    }

    private static long[] array(LongBuffer b) {
        long[] a = new long[b.remaining()];
        b.get(a);
        return a;
    }

    private static int[] array(IntBuffer b) {
        int[] a = new int[b.remaining()];
        b.get(a);
        return a;
    }

    private static byte[] array(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.get(a);
        return a;
    }
}
