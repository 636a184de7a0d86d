package org.pot4j.api.data;

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
}
