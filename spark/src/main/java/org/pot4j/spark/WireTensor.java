package org.pot4j.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.pot4j.api.DataType;
import org.pot4j.api.Tensor;

/**
 * A {@link Tensor} as it travels between executors and the driver: shape, element type and the
 * primitive array, Java-serializable (the api's {@code Tensor} is deliberately not, it has no
 * framework or wire concerns). The array is moved, never converted, so values arrive bit for bit.
 */
record WireTensor(long[] shape, DataType type, Object data) implements Serializable {
    static WireTensor of(Tensor t) {
        return new WireTensor(t.shape(), t.dataType(), t.rawData());
    }

    static List<WireTensor> ofAll(List<Tensor> tensors) {
        List<WireTensor> out = new ArrayList<>(tensors.size());
        for (Tensor t : tensors) {
            out.add(of(t));
        }
        return out;
    }

    Tensor toTensor() {
        switch (type) {
            case FLOAT32: return Tensor.ofFloats(shape, (float[]) data);
            case FLOAT64: return Tensor.ofDoubles(shape, (double[]) data);
            case INT64: return Tensor.ofLongs(shape, (long[]) data);
            case INT32: return Tensor.ofInts(shape, (int[]) data);
            default: return Tensor.ofBytes(shape, type, (byte[]) data);
        }
    }

    static List<Tensor> toTensors(List<WireTensor> wire) {
        List<Tensor> out = new ArrayList<>(wire.size());
        for (WireTensor w : wire) {
            out.add(w.toTensor());
        }
        return out;
    }

    /** Bytes of payload, for the transfer log. */
    long payloadBytes() {
        return Tensor.elementCount(shape) * type.byteSize();
    }
}
