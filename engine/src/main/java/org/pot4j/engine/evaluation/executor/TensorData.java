package org.pot4j.engine.evaluation.executor;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.pot4j.api.DataType;
import org.pot4j.api.Tensor;

/**
 * A {@link Tensor} in a form Java serialization (and Spark) can move between JVMs: the data type,
 * the shape and the primitive array. Round trips are exact.
 *
 * @param dataType element type
 * @param shape    dimensions
 * @param data     the primitive array ({@code float[]}, {@code double[]}, {@code long[]}, {@code int[]} or {@code byte[]})
 */
public record TensorData(DataType dataType, long[] shape, Object data) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The serializable form of {@code t}. */
    public static TensorData of(Tensor t) {
        return new TensorData(t.dataType(), t.shape().clone(), t.rawData());
    }

    /** The tensor again. */
    public Tensor toTensor() {
        if (data instanceof float[] f) {
            return Tensor.ofFloats(shape, f);
        }
        if (data instanceof double[] d) {
            return Tensor.ofDoubles(shape, d);
        }
        if (data instanceof long[] l) {
            return Tensor.ofLongs(shape, l);
        }
        if (data instanceof int[] i) {
            return Tensor.ofInts(shape, i);
        }
        if (data instanceof byte[] b) {
            return Tensor.ofBytes(shape, dataType, b);
        }
        throw new IllegalStateException("unsupported tensor data " + data.getClass());
    }

    /** Every sample's outputs in serializable form. */
    public static List<List<TensorData>> ofSamples(List<List<Tensor>> samples) {
        List<List<TensorData>> out = new ArrayList<>(samples.size());
        for (List<Tensor> s : samples) {
            List<TensorData> one = new ArrayList<>(s.size());
            s.forEach(t -> one.add(of(t)));
            out.add(one);
        }
        return out;
    }

    /** Every sample's outputs as tensors again. */
    public static List<List<Tensor>> toSamples(List<List<TensorData>> samples) {
        List<List<Tensor>> out = new ArrayList<>(samples.size());
        for (List<TensorData> s : samples) {
            List<Tensor> one = new ArrayList<>(s.size());
            s.forEach(t -> one.add(t.toTensor()));
            out.add(one);
        }
        return out;
    }
}
