package org.pot4j.api.data;

import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * Random-access samples, as the seeds' {@code DataLoader} ({@code __len__}, {@code __getitem__}).
 * {@link #get(int)} must be safe to call from several threads.
 */
public interface Dataset {
    /** Number of samples. */
    int size();

    /** Sample {@code index}, 0-based. */
    Sample get(int index);

    /** A name for messages and reports. */
    default String name() {
        return getClass().getSimpleName();
    }

    /**
     * Samples held in memory (NNCF's {@code nncf.Dataset(list)}): a copy of {@code samples} under
     * {@code name}.
     */
    static Dataset of(String name, List<Sample> samples) {
        Objects.requireNonNull(name, "name");
        List<Sample> copy = List.copyOf(samples);
        return new Dataset() {
            @Override
            public int size() {
                return copy.size();
            }

            @Override
            public Sample get(int index) {
                return copy.get(index);
            }

            @Override
            public String name() {
                return name;
            }
        };
    }

    /** The first {@code n} samples (or all when there are fewer), as a view. */
    default Dataset head(int n) {
        Dataset self = this;
        int size = Math.min(n, size());
        return new Dataset() {
            @Override
            public int size() {
                return size;
            }

            @Override
            public Sample get(int index) {
                if (index >= size) {
                    throw new IndexOutOfBoundsException(index);
                }
                return self.get(index);
            }

            @Override
            public String name() {
                return self.name();
            }
        };
    }

    /**
     * A lazy view whose sample {@code i} is {@code transform.apply(get(i))}: NNCF's
     * {@code nncf.Dataset(data_source, transform_fn)}. Nothing is computed or cached here: the
     * transform runs each time a sample is read, so once per sample per pass over the data, and
     * the result is accepted wherever a {@link Dataset} is. The transform must be thread-safe
     * (the engine reads samples from several threads) and must not return null.
     *
     * @param transform maps a raw sample to what the model and metric expect
     */
    default Dataset map(Function<Sample, Sample> transform) {
        Objects.requireNonNull(transform, "transform");
        Dataset self = this;
        return new Dataset() {
            @Override
            public int size() {
                return self.size();
            }

            @Override
            public Sample get(int index) {
                Sample s = transform.apply(self.get(index));
                if (s == null) {
                    throw new IllegalStateException("the transform of dataset '" + self.name() + "' returned null for sample "
                            + index);
                }
                return s;
            }

            @Override
            public String name() {
                return self.name();
            }
        };
    }
}
