package org.pot4j.engine.evaluation;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.ProgressListener;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.data.Sample;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.TensorInfo;
import org.pot4j.engine.data.Batches;

/**
 * The engine's one batch-inference loop: read the chosen samples of a dataset, check them against
 * the model inputs, stack them into batches (padding a model with a fixed batch dimension), run the
 * compiled model, and hand every batch to the caller. Statistics, evaluation, FP32 outputs for
 * {@code annotation: fp32_output} and the local {@link org.pot4j.engine.evaluation.executor
 * evaluation executor} all run through here, so sample binding, checks, error messages and
 * progress are the same everywhere.
 *
 * <p>With {@code workers > 1} (and a thread-safe compiled model) batches run in parallel; the
 * {@code parallel} sink sees each batch on the worker that ran it (any order), the {@code ordered}
 * sink sees the batches one at a time in sample order, whatever order they finished in. A batch's
 * content never depends on the number of workers, so neither do the results.
 */
public final class InferenceLoop {
    private static final AtomicInteger THREADS = new AtomicInteger();

    private InferenceLoop() {
    }

    /** Decides whether a sample still needs {@link Batches#check} (the evaluator checks each sample once). */
    @FunctionalInterface
    public interface SampleCheck {
        /** Always check. */
        SampleCheck ALWAYS = index -> true;

        /** Whether sample {@code index} must be checked now. */
        boolean needed(int index);
    }

    /** Receives finished batches. */
    @FunctionalInterface
    public interface Sink {
        /**
         * @param worker 0..workers-1, the worker that ran the batch (0 for the ordered sink)
         * @param batch  the batch
         */
        void accept(int worker, Batch batch);
    }

    /**
     * How to run the loop.
     *
     * @param batchSize  samples per batch; a model with a fixed batch dimension always runs in that size
     * @param workers    parallel workers (1 = sequential); fewer when the compiled model is not thread-safe
     * @param stage      progress stage name and the name errors give
     * @param progress   where progress goes
     * @param check      which samples to check against the model inputs
     */
    public record Options(int batchSize, int workers, String stage, ProgressListener progress, SampleCheck check) {
        /** Validates. */
        public Options {
            Objects.requireNonNull(stage, "stage");
            progress = progress == null ? ProgressListener.NONE : progress;
            check = check == null ? SampleCheck.ALWAYS : check;
            workers = Math.max(1, workers);
        }

        /** Sequential, every sample checked. */
        public static Options sequential(int batchSize, String stage, ProgressListener progress) {
            return new Options(batchSize, 1, stage, progress, SampleCheck.ALWAYS);
        }
    }

    /**
     * One batch after inference.
     *
     * @param number        batch number, 0-based, in sample order
     * @param from          position of the first sample in the caller's index array
     * @param sampleIndices dataset indices of the samples (the real ones, not padding)
     * @param samples       the samples read (the real ones)
     * @param feed          the stacked inputs, padded rows included
     * @param outputs       every tensor the compiled model returned, padded rows included
     */
    public record Batch(int number, int from, int[] sampleIndices, List<Sample> samples, Map<String, Tensor> feed,
                        Map<String, Tensor> outputs) {
        /** Real samples in the batch. */
        public int size() {
            return sampleIndices.length;
        }

        /** Rows in the batch including padding. */
        public int rows() {
            Tensor first = feed.values().iterator().next();
            return first.rank() > 0 ? (int) first.dim(0) : size();
        }

        /** The outputs of each real sample (batch dimension 1), in sample order. */
        public List<Map<String, Tensor>> perSample() {
            List<Map<String, Tensor>> all = Batches.split(outputs, rows());
            return all.size() == size() ? all : all.subList(0, size());
        }
    }

    /**
     * Runs {@code compiled} (a compilation of {@code model}) over the samples {@code indices} of
     * {@code dataset}.
     *
     * @param parallel called on the worker that ran a batch; may be null
     * @param ordered  called one batch at a time in sample order; may be null
     * @throws Pot4jException {@code DATASET_INVALID}, {@code DATASET_SHAPE_MISMATCH},
     *                        {@code DATA_NOT_FINITE} naming the sample; {@code RUNTIME_FAILURE} when
     *                        the model fails on a batch
     */
    public static void run(Model model, CompiledModel compiled, Dataset dataset, int[] indices, Options options,
                           Sink parallel, Sink ordered) {
        new Run(model, compiled, dataset, indices, options, parallel, ordered).run();
    }

    /** The batch size every input fixes, or 0 when the batch dimension is dynamic. */
    public static int fixedBatch(List<TensorInfo> inputs) {
        for (TensorInfo in : inputs) {
            long[] s = in.shape();
            if (s.length > 0 && s[0] > 0) {
                return (int) s[0];
            }
        }
        return 0;
    }

    private static final class Run {
        private final Model model;
        private final CompiledModel compiled;
        private final Dataset ds;
        private final int[] idx;
        private final Options options;
        private final Sink parallel;
        private final Sink ordered;
        private final List<TensorInfo> inputs;
        private final int fixed;
        private final int batch;
        private final int batches;
        private final AtomicInteger nextBatch = new AtomicInteger();
        private final AtomicLong done = new AtomicLong();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final TreeMap<Integer, Batch> pending = new TreeMap<>();
        private int nextOrdered;

        Run(Model model, CompiledModel compiled, Dataset ds, int[] idx, Options options, Sink parallel, Sink ordered) {
            this.model = model;
            this.compiled = compiled;
            this.ds = ds;
            this.idx = idx;
            this.options = options;
            this.parallel = parallel;
            this.ordered = ordered;
            this.inputs = model.inputs();
            this.fixed = fixedBatch(inputs);
            this.batch = fixed > 0 ? fixed : Math.max(1, options.batchSize());
            this.batches = (idx.length + batch - 1) / batch;
        }

        void run() {
            String stage = options.stage();
            options.progress().stageStarted(stage, idx.length);
            try {
                int workers = compiled.threadSafe() ? Math.min(options.workers(), batches) : 1;
                if (workers <= 1) {
                    work(0);
                } else {
                    runParallel(workers);
                }
                Throwable t = failure.get();
                if (t != null) {
                    rethrow(t);
                }
            } finally {
                options.progress().stageFinished(stage);
            }
        }

        private void runParallel(int workers) {
            ExecutorService pool = Executors.newFixedThreadPool(workers, daemonThreads());
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int w = 0; w < workers; w++) {
                    int worker = w;
                    futures.add(pool.submit(() -> {
                        work(worker);
                        return null;
                    }));
                }
                for (Future<?> f : futures) {
                    try {
                        f.get();
                    } catch (ExecutionException e) {
                        failure.compareAndSet(null, e.getCause());
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Pot4jException(ErrorCode.INTERNAL, options.stage() + " was interrupted", e);
            } finally {
                pool.shutdownNow();
            }
        }

        private void work(int worker) {
            try {
                int b;
                while (failure.get() == null && (b = nextBatch.getAndIncrement()) < batches) {
                    Batch result = runBatch(b);
                    if (parallel != null) {
                        parallel.accept(worker, result);
                    }
                    if (ordered != null) {
                        deliverInOrder(result);
                    }
                    options.progress().progress(options.stage(), done.addAndGet(result.size()), idx.length);
                }
            } catch (RuntimeException | Error e) {
                failure.compareAndSet(null, e);
            }
        }

        private synchronized void deliverInOrder(Batch b) {
            pending.put(b.number(), b);
            while (!pending.isEmpty() && pending.firstKey() == nextOrdered && failure.get() == null) {
                ordered.accept(0, pending.pollFirstEntry().getValue());
                nextOrdered++;
            }
        }

        private Batch runBatch(int b) {
            int from = b * batch;
            int to = Math.min(idx.length, from + batch);
            List<Sample> samples = new ArrayList<>(batch);
            for (int p = from; p < to; p++) {
                samples.add(read(idx[p]));
            }
            int valid = samples.size();
            List<Sample> rows = samples;
            if (fixed > 0 && valid < fixed) {
                rows = new ArrayList<>(samples);
                while (rows.size() < fixed) {
                    rows.add(samples.get(valid - 1)); // pad a fixed-batch model; padded rows are never handed on
                }
            }
            Map<String, Tensor> feed = stack(rows, from, to);
            Map<String, Tensor> out = infer(feed, from, to);
            int[] sampleIndices = java.util.Arrays.copyOfRange(idx, from, to);
            return new Batch(b, from, sampleIndices, samples, feed, out);
        }

        private Sample read(int index) {
            Sample s;
            try {
                s = ds.get(index);
            } catch (Pot4jException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new Pot4jException(ErrorCode.DATASET_INVALID, "reading sample " + index + " of dataset '" + ds.name()
                        + "' failed: " + e.getMessage() + "; check the dataset files", e);
            }
            if (options.check().needed(index)) {
                Batches.check(ds, index, s, inputs);
            }
            return s;
        }

        private Map<String, Tensor> stack(List<Sample> rows, int from, int to) {
            try {
                return Batches.stack(rows, inputs);
            } catch (IllegalArgumentException e) {
                throw new Pot4jException(ErrorCode.DATASET_SHAPE_MISMATCH, "samples " + idx[from] + ".." + idx[to - 1]
                        + " of dataset '" + ds.name() + "' have different shapes and cannot form one batch ("
                        + e.getMessage() + "); pad them to one shape or set the batch size to 1", e);
            }
        }

        private Map<String, Tensor> infer(Map<String, Tensor> feed, int from, int to) {
            try {
                return compiled.infer(feed);
            } catch (Pot4jException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new Pot4jException(ErrorCode.RUNTIME_FAILURE, "running the model (" + options.stage() + ") on samples "
                        + idx[from] + ".." + idx[to - 1] + " of dataset '" + ds.name() + "' failed: " + e, e);
            }
        }
    }

    private static ThreadFactory daemonThreads() {
        return r -> {
            Thread t = new Thread(r, "pot4j-infer-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    private static void rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new Pot4jException(ErrorCode.INTERNAL, "inference failed: " + t, t);
    }
}
