package org.pot4j.engine.benchmark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.pot4j.api.DataType;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Sample;
import org.pot4j.api.model.TensorInfo;

/**
 * Makes plausible samples (no batch dimension) for a model from its input signature alone, so a
 * model can be benchmarked without a dataset. Floats are standard normal; integer inputs follow
 * their name, because they are usually token ids, attention masks or segment ids: {@code *mask*}
 * gets ones, {@code *type*}/{@code *segment*} zeros, {@code *position*} 0..n-1, anything else
 * random ids in [100, 1000) — valid for every common tokenizer vocabulary.
 */
final class InputSynthesizer {
    private static final int MIN_ID = 100;
    private static final int MAX_ID = 1000;

    private final Random random;
    private final int dynamicDimSize;

    InputSynthesizer(long seed, int dynamicDimSize) {
        this.random = new Random(seed);
        this.dynamicDimSize = dynamicDimSize;
    }

    /** {@code count} independent samples for {@code inputs}. */
    List<Sample> samples(List<TensorInfo> inputs, int count) {
        List<Sample> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (TensorInfo info : inputs) {
                tensors.put(info.name(), tensor(info));
            }
            out.add(new Sample(tensors, null, Map.of("synthetic", true)));
        }
        return out;
    }

    /** The per-sample shape: the model shape without its batch dimension, dynamic dims filled in. */
    long[] sampleShape(TensorInfo info) {
        long[] s = info.shape();
        if (s.length == 0) {
            throw new Pot4jException(ErrorCode.MODEL_UNSUPPORTED, "input '" + info.name()
                    + "' is a scalar without a batch dimension; benchmark needs batched inputs");
        }
        long[] out = Arrays.copyOfRange(s, 1, s.length);
        for (int i = 0; i < out.length; i++) {
            if (out[i] < 0) {
                out[i] = dynamicDimSize;
            }
        }
        return out;
    }

    private Tensor tensor(TensorInfo info) {
        long[] shape = sampleShape(info);
        int n = Math.toIntExact(Tensor.elementCount(shape));
        String name = info.name().toLowerCase(Locale.ROOT);
        switch (info.dataType()) {
            case FLOAT32: {
                float[] f = new float[n];
                for (int i = 0; i < n; i++) {
                    f[i] = (float) random.nextGaussian();
                }
                return Tensor.ofFloats(shape, f);
            }
            case FLOAT64: {
                double[] d = new double[n];
                for (int i = 0; i < n; i++) {
                    d[i] = random.nextGaussian();
                }
                return Tensor.ofDoubles(shape, d);
            }
            case INT64: {
                long[] l = new long[n];
                long last = shape.length == 0 ? 1 : Math.max(1, shape[shape.length - 1]);
                for (int i = 0; i < n; i++) {
                    l[i] = integer(name, i % last);
                }
                return Tensor.ofLongs(shape, l);
            }
            case INT32: {
                int[] v = new int[n];
                long last = shape.length == 0 ? 1 : Math.max(1, shape[shape.length - 1]);
                for (int i = 0; i < n; i++) {
                    v[i] = (int) integer(name, i % last);
                }
                return Tensor.ofInts(shape, v);
            }
            case BOOL: {
                byte[] b = new byte[n];
                Arrays.fill(b, (byte) 1);
                return Tensor.ofBytes(shape, DataType.BOOL, b);
            }
            default: {
                byte[] b = new byte[n];
                random.nextBytes(b);
                return Tensor.ofBytes(shape, info.dataType(), b);
            }
        }
    }

    private long integer(String name, long position) {
        if (name.contains("mask")) {
            return 1;
        }
        if (name.contains("type") || name.contains("segment")) {
            return 0;
        }
        if (name.contains("position")) {
            return position;
        }
        return MIN_ID + random.nextInt(MAX_ID - MIN_ID);
    }
}
