package org.pot4j.engine.statistics;

/**
 * How a statistics pass picks and batches samples.
 *
 * @param subsetSize   at most this many samples (POT {@code stat_subset_size}); capped by the dataset size
 * @param batchSize    samples per inference, or 0 for {@link org.pot4j.engine.data.Batches#batchSizeFor}
 * @param shuffle      pick a seeded random subset instead of the first samples (POT {@code shuffle_data})
 * @param seed         seed of that subset (POT {@code seed})
 * @param stage        progress stage name
 * @param workers      parallel inference requests (POT {@code stat_requests_number}); the reducers still see
 *                     the batches in sample order, so the statistics are the same for any number
 */
public record CollectionOptions(int subsetSize, int batchSize, boolean shuffle, long seed, String stage, int workers) {
    /** POT's default subset size. */
    public static final int DEFAULT_SUBSET_SIZE = 300;

    /** The stage name of the FP32 statistics pass. */
    public static final String STAGE = "statistics";

    /** Validates. */
    public CollectionOptions {
        if (subsetSize <= 0) {
            throw new IllegalArgumentException("subset size must be positive: " + subsetSize);
        }
        if (batchSize < 0) {
            throw new IllegalArgumentException("batch size must not be negative: " + batchSize);
        }
        stage = stage == null ? STAGE : stage;
        workers = Math.max(1, workers);
    }

    /** Sequential options. */
    public CollectionOptions(int subsetSize, int batchSize, boolean shuffle, long seed, String stage) {
        this(subsetSize, batchSize, shuffle, seed, stage, 1);
    }

    /** The first {@code subsetSize} samples, automatic batch size. */
    public static CollectionOptions firstSamples(int subsetSize) {
        return new CollectionOptions(subsetSize, 0, false, 0, STAGE);
    }

    /** The same options under another progress stage name. */
    public CollectionOptions withStage(String newStage) {
        return new CollectionOptions(subsetSize, batchSize, shuffle, seed, newStage, workers);
    }

    /** The same options with {@code n} parallel inference requests. */
    public CollectionOptions withWorkers(int n) {
        return new CollectionOptions(subsetSize, batchSize, shuffle, seed, stage, n);
    }
}
