package org.pot4j.backend.djl;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.quant.WeightQuantizer;

/**
 * A tensor as {@code data.pkl} describes it: {@code torch._utils._rebuild_tensor_v2(storage, offset,
 * size, stride, requires_grad, hooks)} where the storage is a persistent id naming the record
 * {@code data/<key>}. Reads and writes FLOAT32 values through the strides, so views work.
 */
final class TorchTensorRecord {
    final Pickle.Reduce source;
    final String storageType;
    final String storageKey;
    final long storageOffset;
    final long[] size;
    final long[] stride;

    private TorchTensorRecord(Pickle.Reduce source, String storageType, String storageKey, long offset, long[] size,
            long[] stride) {
        this.source = source;
        this.storageType = storageType;
        this.storageKey = storageKey;
        this.storageOffset = offset;
        this.size = size;
        this.stride = stride;
    }

    /** The tensor {@code o} describes, or null when it is not a plain tensor. */
    static TorchTensorRecord of(Object o) {
        if (!(o instanceof Pickle.Reduce r) || !r.calls("torch._utils", "_rebuild_tensor_v2") || r.args.size() < 4
                || !(r.args.get(0) instanceof Pickle.PersistentId pid) || !(pid.id instanceof Pickle.Tuple t)
                || t.size() < 3 || !(t.get(1) instanceof Pickle.Global type)) {
            return null;
        }
        return new TorchTensorRecord(r, type.name(), String.valueOf(t.get(2)), ((Number) r.args.get(1)).longValue(),
                longs(r.args.get(2)), longs(r.args.get(3)));
    }

    /**
     * A new contiguous tensor description over storage {@code key} of {@code storageType}
     * ({@code "CharStorage"}, {@code "FloatStorage"}...), not requiring grad.
     */
    static Pickle.Reduce create(String storageType, String key, long[] shape) {
        long numel = 1;
        for (long d : shape) {
            numel *= d;
        }
        long[] stride = new long[shape.length];
        long s = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            stride[i] = s;
            s *= shape[i];
        }
        Pickle.PersistentId pid = new Pickle.PersistentId(Pickle.Tuple.of("storage",
                new Pickle.Global("torch", storageType), key, "cpu", numel));
        Pickle.Reduce orderedDict = new Pickle.Reduce(new Pickle.Global("collections", "OrderedDict"), Pickle.Tuple.of());
        return new Pickle.Reduce(new Pickle.Global("torch._utils", "_rebuild_tensor_v2"),
                Pickle.Tuple.of(pid, 0L, tuple(shape), tuple(stride), Boolean.FALSE, orderedDict));
    }

    private static Pickle.Tuple tuple(long[] v) {
        List<Object> items = new ArrayList<>();
        for (long x : v) {
            items.add(x);
        }
        return new Pickle.Tuple(items);
    }

    private static long[] longs(Object o) {
        List<Object> items = ((Pickle.Tuple) o).items;
        long[] v = new long[items.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = ((Number) items.get(i)).longValue();
        }
        return v;
    }

    boolean isFloat32() {
        return storageType.equals("FloatStorage");
    }

    long numel() {
        long n = 1;
        for (long d : size) {
            n *= d;
        }
        return n;
    }

    String record() {
        return "data/" + storageKey;
    }

    /** The values in logical (row-major) order. */
    float[] readFloats(TorchScriptArchive archive) {
        ByteBuffer buf = ByteBuffer.wrap(archive.get(record())).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[Math.toIntExact(numel())];
        for (int i = 0; i < out.length; i++) {
            out[i] = buf.getFloat((int) (elementIndex(i) * 4));
        }
        return out;
    }

    /** Replaces the values (logical order) in a copy of the storage record of {@code archive}. */
    void writeFloats(TorchScriptArchive archive, float[] values) {
        byte[] copy = archive.get(record()).clone();
        ByteBuffer buf = ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < values.length; i++) {
            buf.putFloat((int) (elementIndex(i) * 4), values[i]);
        }
        archive.put(record(), copy);
    }

    /** Fake-quantizes the values in {@code archive} with {@code q} (per channel along its axis). */
    void fakeQuantize(TorchScriptArchive archive, WeightQuantizer q) {
        float[] values = readFloats(archive);
        int[] channel = DjlPlanWriter.channels(size, q.axis());
        for (int i = 0; i < values.length; i++) {
            values[i] = q.fakeQuantize(values[i], channel[i]);
        }
        writeFloats(archive, values);
    }

    /** The values quantized with {@code q} (per channel along its axis), saturated to int8, in logical order. */
    byte[] quantizeInt8(TorchScriptArchive archive, WeightQuantizer q) {
        float[] values = readFloats(archive);
        int[] channel = DjlPlanWriter.channels(size, q.axis());
        byte[] bytes = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            bytes[i] = (byte) Math.max(-128, Math.min(127, q.quantize(values[i], channel[i])));
        }
        return bytes;
    }

    /** Adds node {@code nodeId}'s bias correction {@code shift} to the values (a bias) in {@code archive}. */
    void addBiasShift(TorchScriptArchive archive, float[] shift, String nodeId) {
        float[] values = readFloats(archive);
        if (values.length != shift.length) {
            throw new Pot4jException(ErrorCode.CONFIG_INVALID, "bias shift of node '" + nodeId + "' has "
                    + shift.length + " values but its bias has " + values.length);
        }
        for (int i = 0; i < values.length; i++) {
            values[i] += shift[i];
        }
        writeFloats(archive, values);
    }

    /** Storage element index of logical element {@code flat}. */
    private long elementIndex(long flat) {
        long idx = storageOffset;
        for (int d = size.length - 1; d >= 0; d--) {
            long i = flat % size[d];
            flat /= size[d];
            idx += i * stride[d];
        }
        return idx;
    }

    @Override
    public String toString() {
        return storageType + "(" + storageKey + ")" + java.util.Arrays.toString(size);
    }

    /** Attribute dict of a module object (its BUILD state), empty when it has none. */
    @SuppressWarnings("unchecked")
    static LinkedHashMap<Object, Object> attributes(Pickle.Obj module) {
        return module.state instanceof LinkedHashMap<?, ?> m ? (LinkedHashMap<Object, Object>) m : new LinkedHashMap<>();
    }
}
