package org.pot4j.engine.benchmark;

/**
 * Latency and throughput of one model at one batch size.
 *
 * @param label          what the model is called in tables ({@code FP32}, {@code INT8}, a file name)
 * @param backend        backend that ran it
 * @param batchSize      samples per inference call
 * @param repeats        timed calls the statistics come from
 * @param medianMs       median latency of one call, milliseconds
 * @param p90Ms          90th-percentile latency, milliseconds
 * @param meanMs         mean latency, milliseconds
 * @param minMs          fastest call, milliseconds
 * @param throughput     samples per second at the median latency
 * @param speedRatio     baseline median / this median at the same batch size (above 1 = faster
 *                       than the baseline); null for the baseline itself
 * @param sizeBytes      model size on disk, or -1 when unknown
 * @param threads        intra-op threads the model was loaded with, 0 when the backend chose
 */
public record BenchmarkResult(String label, String backend, int batchSize, int repeats, double medianMs,
                              double p90Ms, double meanMs, double minMs, double throughput, Double speedRatio,
                              long sizeBytes, int threads) {
    /** True for the model the others are compared against. */
    public boolean isBaseline() {
        return speedRatio == null;
    }
}
