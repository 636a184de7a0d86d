package org.pot4j.engine.benchmark;

import java.util.List;
import java.util.Objects;
import org.pot4j.api.data.Dataset;

/**
 * How {@link Benchmark} measures: which batch sizes, how many untimed warm-up and timed repeat
 * rounds, and where inputs come from.
 *
 * @param batchSizes      batch sizes to measure, in order (default 1 and 32)
 * @param warmup          untimed rounds per batch size; each round runs every model once
 * @param repeats         timed rounds per batch size; each round runs every model once, in turn
 * @param threads         intra-op threads the models were loaded with, or 0 when left to the
 *                        backend; recorded in the results (the backend applies it at load time)
 * @param seed            seed of the random inputs, so runs are repeatable
 * @param dynamicDimSize  size used for dynamic non-batch dimensions (e.g. sequence length) when
 *                        inputs are synthesized
 * @param dataset         real samples to feed instead of random inputs, or null
 */
public record BenchmarkOptions(List<Integer> batchSizes, int warmup, int repeats, int threads, long seed,
                               int dynamicDimSize, Dataset dataset) {
    /** Batch sizes measured when none are given. */
    public static final List<Integer> DEFAULT_BATCH_SIZES = List.of(1, 32);

    /** Validates. */
    public BenchmarkOptions {
        Objects.requireNonNull(batchSizes, "batchSizes");
        batchSizes = List.copyOf(batchSizes);
        if (batchSizes.isEmpty() || batchSizes.stream().anyMatch(b -> b < 1)) {
            throw new IllegalArgumentException("batch sizes must be >= 1, got " + batchSizes);
        }
        if (warmup < 0 || repeats < 1 || threads < 0 || dynamicDimSize < 1) {
            throw new IllegalArgumentException("need warmup >= 0, repeats >= 1, threads >= 0, dynamicDimSize >= 1");
        }
    }

    /** Batch 1 and 32, 10 warm-up and 50 timed rounds, random inputs with seed 42, sequence length 128. */
    public static BenchmarkOptions defaults() {
        return new BenchmarkOptions(DEFAULT_BATCH_SIZES, 10, 50, 0, 42L, 128, null);
    }

    /** A copy with other batch sizes. */
    public BenchmarkOptions withBatchSizes(List<Integer> sizes) {
        return new BenchmarkOptions(sizes, warmup, repeats, threads, seed, dynamicDimSize, dataset);
    }

    /** A copy with other warm-up and repeat counts. */
    public BenchmarkOptions withRounds(int newWarmup, int newRepeats) {
        return new BenchmarkOptions(batchSizes, newWarmup, newRepeats, threads, seed, dynamicDimSize, dataset);
    }

    /** A copy recording the thread count the models were loaded with. */
    public BenchmarkOptions withThreads(int newThreads) {
        return new BenchmarkOptions(batchSizes, warmup, repeats, newThreads, seed, dynamicDimSize, dataset);
    }

    /** A copy with another seed for the random inputs. */
    public BenchmarkOptions withSeed(long newSeed) {
        return new BenchmarkOptions(batchSizes, warmup, repeats, threads, newSeed, dynamicDimSize, dataset);
    }

    /** A copy with another size for dynamic non-batch dimensions. */
    public BenchmarkOptions withDynamicDimSize(int size) {
        return new BenchmarkOptions(batchSizes, warmup, repeats, threads, seed, size, dataset);
    }

    /** A copy that feeds real samples from {@code data} (cycled when a batch needs more). */
    public BenchmarkOptions withDataset(Dataset data) {
        return new BenchmarkOptions(batchSizes, warmup, repeats, threads, seed, dynamicDimSize, data);
    }
}
