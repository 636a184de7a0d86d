package org.pot4j.engine.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.data.Sample;

/** An in-memory dataset for tests, or a generated one that makes samples on demand. */
public final class ArrayDataset implements Dataset {
    private final String name;
    private final int size;
    private final String inputName;
    private final long[] shape;
    private final List<float[]> stored;
    private final long seed;

    private ArrayDataset(String name, String inputName, long[] shape, List<float[]> stored, int size, long seed) {
        this.name = name;
        this.inputName = inputName;
        this.shape = shape.clone();
        this.stored = stored;
        this.size = size;
        this.seed = seed;
    }

    /** Samples given as arrays of one shape. */
    public static ArrayDataset of(String inputName, long[] shape, List<float[]> samples) {
        return new ArrayDataset("arrays", inputName, shape, new ArrayList<>(samples), samples.size(), 0);
    }

    /**
     * {@code size} samples generated on demand from {@code seed} (Gaussian, mean {@code 0.2}): no
     * data is held in memory, so a huge dataset costs nothing.
     */
    public static ArrayDataset generated(String inputName, long[] shape, int size, long seed) {
        return new ArrayDataset("generated", inputName, shape, null, size, seed);
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public Sample get(int index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException(index);
        }
        float[] data;
        if (stored != null) {
            data = stored.get(index);
        } else {
            Random r = new Random(seed * 1_000_003L + index);
            data = new float[Math.toIntExact(Tensor.elementCount(shape))];
            for (int i = 0; i < data.length; i++) {
                data[i] = (float) (0.2 + r.nextGaussian());
            }
        }
        return Sample.of(inputName, Tensor.ofFloats(shape, data), index % 3);
    }

    @Override
    public String name() {
        return name;
    }
}
