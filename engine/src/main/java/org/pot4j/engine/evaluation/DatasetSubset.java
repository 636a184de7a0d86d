package org.pot4j.engine.evaluation;

import java.util.Arrays;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.data.Sample;

/**
 * A view of some samples of a dataset, in the order of {@code indices}. AccuracyAware ranks layers
 * on such a view (the ranking subset) and hands it to user validation functions.
 */
public final class DatasetSubset implements Dataset {
    private final Dataset base;
    private final int[] indices;

    private DatasetSubset(Dataset base, int[] indices) {
        this.base = base;
        this.indices = indices.clone();
        for (int i : this.indices) {
            if (i < 0 || i >= base.size()) {
                throw new IndexOutOfBoundsException("index " + i + " outside dataset '" + base.name()
                        + "' of " + base.size() + " samples");
            }
        }
    }

    /** The samples of {@code base} at {@code indices}, in that order. */
    public static DatasetSubset of(Dataset base, int[] indices) {
        return new DatasetSubset(base, indices);
    }

    /** The indices into the underlying dataset (a copy). */
    public int[] indices() {
        return indices.clone();
    }

    /** The underlying dataset. */
    public Dataset base() {
        return base;
    }

    @Override
    public int size() {
        return indices.length;
    }

    @Override
    public Sample get(int index) {
        return base.get(indices[index]);
    }

    @Override
    public String name() {
        return base.name();
    }

    @Override
    public String toString() {
        return base.name() + Arrays.toString(indices.length > 8 ? Arrays.copyOf(indices, 8) : indices)
                + (indices.length > 8 ? "... (" + indices.length + " samples)" : "");
    }
}
