package org.pot4j.engine.benchmark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.ProgressListener;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.data.Sample;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.TensorInfo;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.engine.data.Batches;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures inference latency and throughput of two or more models of any backend on identical
 * inputs, e.g. an FP32 model and its INT8 version. The first model is the baseline the others are
 * compared with.
 *
 * <p>Models are compiled with {@link QuantizationPlan#EMPTY}: a quantized model file is already
 * quantized, so it runs as it is. For each batch size, every model is warmed up, then the timed
 * rounds interleave the models (A B A B ...) so they all see the same machine state (thermal,
 * caches, other load) instead of one running in a quiet minute and the other in a busy one; the
 * order flips every round (A B, B A, ...) so neither always runs in the other's wake (three or
 * more models: a seeded random order per round, so none keeps the warm first or last place).
 * Statistics are the median and 90th percentile of the per-call latencies.
 */
public final class Benchmark {
    private static final Logger LOG = LoggerFactory.getLogger(Benchmark.class);

    /** A model to measure and the label it gets in results. */
    public record Subject(String label, Model model) {
        /** Validates. */
        public Subject {
            Objects.requireNonNull(label, "label");
            Objects.requireNonNull(model, "model");
        }
    }

    private final BenchmarkOptions options;
    private final ProgressListener progress;

    /** A benchmark with the given options reporting to {@code progress}. */
    public Benchmark(BenchmarkOptions options, ProgressListener progress) {
        this.options = Objects.requireNonNull(options, "options");
        this.progress = progress == null ? ProgressListener.NONE : progress;
    }

    /** Compares an FP32 model (the baseline) with its INT8 version. */
    public List<BenchmarkResult> run(Model fp32, Model int8) {
        return run(List.of(new Subject("FP32", fp32), new Subject("INT8", int8)));
    }

    /**
     * Measures every subject at every feasible batch size.
     *
     * @return one result per batch size and subject, batch-major, subjects in the given order
     * @throws Pot4jException {@code MODEL_UNSUPPORTED} when the models take different inputs or no
     *                        requested batch size fits, or what the backends throw
     */
    public List<BenchmarkResult> run(List<Subject> subjects) {
        if (subjects.isEmpty()) {
            throw new IllegalArgumentException("nothing to benchmark");
        }
        Model reference = subjects.get(0).model();
        for (Subject s : subjects) {
            if (s.model().inputs().size() != reference.inputs().size()) {
                throw new Pot4jException(ErrorCode.MODEL_UNSUPPORTED, "'" + s.model().path() + "' takes "
                        + s.model().inputs() + " but '" + reference.path() + "' takes " + reference.inputs()
                        + "; benchmark models with the same inputs");
            }
        }
        List<Integer> batches = feasibleBatchSizes(subjects);
        int largest = batches.stream().mapToInt(Integer::intValue).max().orElseThrow();
        List<Sample> samples = samples(reference, largest);

        List<CompiledModel> compiled = new ArrayList<>();
        try {
            for (Subject s : subjects) {
                compiled.add(s.model().compile(QuantizationPlan.EMPTY, Set.of()));
            }
            List<BenchmarkResult> results = new ArrayList<>();
            for (int batch : batches) {
                results.addAll(measure(subjects, compiled, samples.subList(0, batch), batch));
            }
            return results;
        } finally {
            for (CompiledModel c : compiled) {
                c.close();
            }
        }
    }

    private List<BenchmarkResult> measure(List<Subject> subjects, List<CompiledModel> compiled,
                                          List<Sample> batchSamples, int batch) {
        List<Map<String, Tensor>> inputs = new ArrayList<>();
        for (Subject s : subjects) {
            inputs.add(Batches.stack(batchSamples, s.model().inputs()));
        }
        String stage = "benchmark batch " + batch;
        long rounds = (long) options.warmup() + options.repeats();
        progress.stageStarted(stage, rounds);
        long[][] nanos = new long[subjects.size()][options.repeats()];
        long done = 0;
        for (int w = 0; w < options.warmup(); w++) {
            for (int m = 0; m < compiled.size(); m++) {
                compiled.get(m).infer(inputs.get(m));
            }
            progress.progress(stage, ++done, rounds);
        }
        int n = compiled.size();
        java.util.Random shuffle = new java.util.Random(options.seed());
        int[] order = new int[n];
        int last = -1;
        for (int r = 0; r < options.repeats(); r++) {
            // two models: A B, then B A, so each runs right after itself equally often. More models: a
            // fresh order every round, never starting with the model that ended the last one. A fixed
            // A B C D / D C B A order runs the end models twice in a row with warm caches every other
            // round and the middle ones never: measured on ResNet-50, the file at the end looked up to
            // 15% faster than an identical kernel graph in the middle
            for (int k = 0; k < n; k++) {
                order[k] = n <= 2 ? (r % 2 == 0 ? k : n - 1 - k) : k;
            }
            if (n > 2) {
                do {
                    for (int k = n - 1; k > 0; k--) {
                        int j = shuffle.nextInt(k + 1);
                        int t = order[k];
                        order[k] = order[j];
                        order[j] = t;
                    }
                } while (order[0] == last);
            }
            last = order[n - 1];
            for (int k = 0; k < n; k++) {
                int m = order[k];
                long start = System.nanoTime();
                compiled.get(m).infer(inputs.get(m));
                nanos[m][r] = System.nanoTime() - start;
            }
            progress.progress(stage, ++done, rounds);
        }
        progress.stageFinished(stage);

        List<BenchmarkResult> out = new ArrayList<>();
        double baselineMedian = 0;
        for (int m = 0; m < subjects.size(); m++) {
            LatencyStats stats = LatencyStats.of(nanos[m]);
            if (m == 0) {
                baselineMedian = stats.medianMs();
            }
            Double ratio = m == 0 ? null : baselineMedian / stats.medianMs();
            Model model = subjects.get(m).model();
            BenchmarkResult r = new BenchmarkResult(subjects.get(m).label(), model.backendName(), batch,
                    options.repeats(), stats.medianMs(), stats.p90Ms(), stats.meanMs(), stats.minMs(),
                    batch * 1000.0 / stats.medianMs(), ratio, sizeOf(model), options.threads());
            LOG.info("{} batch {}: median {} ms, p90 {} ms{}", r.label(), batch, String.format("%.3f", r.medianMs()),
                    String.format("%.3f", r.p90Ms()), ratio == null ? "" : String.format(", %.2fx", ratio));
            out.add(r);
        }
        return out;
    }

    /** The requested batch sizes every model accepts; a fixed batch dimension allows only itself. */
    private List<Integer> feasibleBatchSizes(List<Subject> subjects) {
        long fixed = -1;
        for (Subject s : subjects) {
            for (TensorInfo in : s.model().inputs()) {
                long[] shape = in.shape();
                if (shape.length > 0 && shape[0] > 0) {
                    if (fixed > 0 && fixed != shape[0]) {
                        throw new Pot4jException(ErrorCode.MODEL_UNSUPPORTED, "input '" + in.name() + "' of '"
                                + s.model().path() + "' has fixed batch " + shape[0] + " but another input has "
                                + fixed + "; export the models with a dynamic batch dimension");
                    }
                    fixed = shape[0];
                }
            }
        }
        if (fixed < 0) {
            return options.batchSizes();
        }
        Set<Integer> ok = new LinkedHashSet<>();
        for (int b : options.batchSizes()) {
            if (b == fixed) {
                ok.add(b);
            }
        }
        if (ok.isEmpty()) {
            progress.message("the models have a fixed batch size of " + fixed + "; measuring batch " + fixed
                    + " instead of " + options.batchSizes());
            ok.add((int) fixed);
        } else if (ok.size() < options.batchSizes().size()) {
            progress.message("the models have a fixed batch size of " + fixed + "; other batch sizes skipped");
        }
        return List.copyOf(ok);
    }

    /** {@code count} samples: real ones from the dataset (cycled) or synthesized from the signature. */
    private List<Sample> samples(Model reference, int count) {
        Dataset data = options.dataset();
        if (data == null) {
            return new InputSynthesizer(options.seed(), options.dynamicDimSize()).samples(reference.inputs(), count);
        }
        if (data.size() == 0) {
            throw new Pot4jException(ErrorCode.DATASET_EMPTY, "dataset '" + data.name()
                    + "' has no samples to benchmark with");
        }
        List<Sample> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int index = i % data.size();
            Sample s = data.get(index);
            if (i < data.size()) {
                Batches.check(data, index, s, reference.inputs());
            }
            out.add(s);
        }
        return out;
    }

    private static long sizeOf(Model model) {
        try {
            return model.sizeOnDisk();
        } catch (RuntimeException e) {
            LOG.debug("size of {} unknown", model.path(), e);
            return -1;
        }
    }

    /** Order statistics of one model's timed calls. */
    record LatencyStats(double medianMs, double p90Ms, double meanMs, double minMs) {
        static LatencyStats of(long[] nanos) {
            long[] sorted = nanos.clone();
            Arrays.sort(sorted);
            double mean = Arrays.stream(sorted).average().orElse(0);
            return new LatencyStats(percentile(sorted, 50) / 1e6, percentile(sorted, 90) / 1e6, mean / 1e6,
                    sorted[0] / 1e6);
        }

        /** Linear interpolation between closest ranks, as numpy's default. */
        static double percentile(long[] sorted, double p) {
            if (sorted.length == 1) {
                return sorted[0];
            }
            double rank = p / 100.0 * (sorted.length - 1);
            int lo = (int) Math.floor(rank);
            int hi = Math.min(lo + 1, sorted.length - 1);
            return sorted[lo] + (rank - lo) * (sorted[hi] - sorted[lo]);
        }
    }
}
