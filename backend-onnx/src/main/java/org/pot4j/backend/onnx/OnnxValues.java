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
     * An ORT tensor over {@code target} (a direct, native-order buffer of exactly the tensor's bytes, see
     * {@link OnnxFeedBuffers#slot}) after copying {@code t} into it: ORT runs on it in place. The caller closes the
     * tensor before {@code target} is reused.
     */
    static OnnxTensor toOrt(OrtEnvironment env, Tensor t, ByteBuffer target) throws OrtException {
        long[] shape = t.shape();
        return switch (t.dataType()) {
            case FLOAT32 -> OnnxTensor.createTensor(env, target.asFloatBuffer().put(t.floats()).rewind(), shape);
            case FLOAT64 -> OnnxTensor.createTensor(env, target.asDoubleBuffer().put(t.doubles()).rewind(), shape);
            case INT64 -> OnnxTensor.createTensor(env, target.asLongBuffer().put(t.longs()).rewind(), shape);
            case INT32 -> OnnxTensor.createTensor(env, target.asIntBuffer().put(t.ints()).rewind(), shape);
            case INT8 -> OnnxTensor.createTensor(env, target.put(t.bytes()).rewind(), shape, OnnxJavaType.INT8);
            case UINT8 -> OnnxTensor.createTensor(env, target.put(t.bytes()).rewind(), shape, OnnxJavaType.UINT8);
            case BOOL -> OnnxTensor.createTensor(env, target.put(t.bytes()).rewind(), shape, OnnxJavaType.BOOL);
        };
    }

    /** Bytes {@code t} takes in an ORT tensor. */
    static int byteSize(Tensor t) {
        return Math.multiplyExact(t.size(), t.dataType().byteSize());
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

    // ORT's accessors copy the native data into a new heap buffer of exactly the tensor's size: its
    // array is the copy we need (a second copy into another array cost as much again)

    private static float[] array(FloatBuffer b) {
        if (b.hasArray() && b.arrayOffset() == 0 && b.position() == 0 && b.array().length == b.remaining()) {
            return b.array();
        }
        float[] a = new float[b.remaining()];
        b.get(a);
        return a;
    }

    private static double[] array(DoubleBuffer b) {
        if (b.hasArray() && b.arrayOffset() == 0 && b.position() == 0 && b.array().length == b.remaining()) {
            return b.array();
        }
        double[] a = new double[b.remaining()];
        b.get(a);
        return a;
    }

    private static long[] array(LongBuffer b) {
        if (b.hasArray() && b.arrayOffset() == 0 && b.position() == 0 && b.array().length == b.remaining()) {
            return b.array();
        }
        long[] a = new long[b.remaining()];
        b.get(a);
        return a;
    }

    private static int[] array(IntBuffer b) {
        if (b.hasArray() && b.arrayOffset() == 0 && b.position() == 0 && b.array().length == b.remaining()) {
            return b.array();
        }
        int[] a = new int[b.remaining()];
        b.get(a);
        return a;
    }

    private static byte[] array(ByteBuffer b) {
        if (b.hasArray() && b.arrayOffset() == 0 && b.position() == 0 && b.array().length == b.remaining()) {
            return b.array();
        }
        byte[] a = new byte[b.remaining()];
        b.get(a);
        return a;
    }
}
