package org.pot4j.engine.evaluation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.ProgressListener;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.data.Sample;
import org.pot4j.api.metric.Metric;
import org.pot4j.api.metric.ValidationFunction;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.Model;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.engine.data.Batches;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a model under a plan over a dataset and measures it with metrics, the way POT's engine does:
 * batched, and parallel over the dataset with a bounded worker pool when the compiled model is
 * thread-safe.
 *
 * <p>Determinism: every worker has its own fresh metric instances, so the value after a sample's
 * update depends on that sample only (for per-sample metrics) and per-sample values do not depend on
 * the number of threads. The aggregate ({@code avgValue}) comes from one more instance fed in sample
 * order, so it is the same as a sequential run's too.
 *
 * <p>FP32 results are cached per (model, dataset, samples, metrics) by {@link #fp32}, so
 * AccuracyAware measures the original model once however many iterations it runs. The evaluator is
 * thread-safe: ranking evaluates several candidate plans at once.
 */
public final class Evaluator {
    /** Key under which {@link #evaluateFunction} reports a validation function's value. */
    public static final String VALIDATION_KEY = "validation";

    private static final Logger LOG = LoggerFactory.getLogger(Evaluator.class);
    private static final AtomicInteger THREADS = new AtomicInteger();
    /** One lock per model, shared by all evaluators, dropped with the model. */
    private static final Map<Model, Object> COMPILE_LOCKS = java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

    private final ProgressListener progress;
    private final int defaultWorkers;
    private final Map<CacheKey, EvaluationResult> fp32Cache = new ConcurrentHashMap<>();
    private final Map<Pair, BitSet> checkedSamples = new ConcurrentHashMap<>();

    /**
     * @param progress where pass progress goes
     * @param workers  default number of parallel workers per pass (at least 1)
     */
    public Evaluator(ProgressListener progress, int workers) {
        this.progress = progress == null ? ProgressListener.NONE : progress;
        this.defaultWorkers = Math.max(1, workers);
    }

    /** An evaluator with {@link #defaultWorkers()} workers. */
    public Evaluator(ProgressListener progress) {
        this(progress, defaultWorkers());
    }

    /** Workers used when nobody says: the cores, at most 4 (runtimes parallelize inside a batch too). */
    public static int defaultWorkers() {
        return Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
    }

    /** Where this evaluator reports progress. */
    public ProgressListener progress() {
        return progress;
    }

    /**
     * Runs one pass.
     *
     * @throws Pot4jException {@code METRIC_FAILED} when a metric throws or returns NaN,
     *                        {@code DATASET_EMPTY} for no samples, shape/runtime errors from the model
     */
    public EvaluationResult evaluate(Model model, EvaluationRequest request) {
        Dataset ds = request.dataset();
        int[] idx = request.indices() != null ? request.indices() : IntStream.range(0, ds.size()).toArray();
        if (idx.length == 0) {
            throw new Pot4jException(ErrorCode.DATASET_EMPTY, "dataset '" + ds.name() + "' has no samples to evaluate ("
                    + request.stage() + "); give it at least one sample");
        }
        try (CompiledModel compiled = compile(model, request.plan())) {
            return new Pass(model, compiled, request, idx).run();
        }
    }

    /**
     * Like {@link #evaluate} for an FP32 request ({@link QuantizationPlan#EMPTY}), but computed once:
     * later calls with the same model, dataset, samples and metric factories return the cached
     * result (recomputed only when outputs are asked for and were not kept).
     */
    public EvaluationResult fp32(Model model, EvaluationRequest request) {
        if (!request.plan().isEmpty()) {
            throw new IllegalArgumentException("fp32() takes the empty plan, got " + request.plan());
        }
        if (request.reference() != null) {
            return evaluate(model, request);
        }
        CacheKey key = CacheKey.of(model, request.dataset(), request.indices(), request.metrics());
        EvaluationResult cached = fp32Cache.get(key);
        if (cached != null && (!request.keepOutputs() || cached.outputs() != null)) {
            LOG.debug("FP32 result of '{}' reused from cache", request.dataset().name());
            return cached;
        }
        EvaluationResult result = evaluate(model, request);
        fp32Cache.put(key, result);
        return result;
    }

    /**
     * FP32 outputs of the samples {@code indices} of {@code dataset}, by dataset index: taken from an
     * earlier cached FP32 pass that kept outputs, else computed once (no metrics) and cached.
     */
    public Map<Integer, List<Tensor>> fp32Outputs(Model model, Dataset dataset, int[] indices, String stage) {
        Map<Integer, List<Tensor>> found = new HashMap<>();
        for (Map.Entry<CacheKey, EvaluationResult> e : fp32Cache.entrySet()) {
            CacheKey k = e.getKey();
            EvaluationResult r = e.getValue();
            if (k.model().target() == model && k.dataset().target() == dataset && r.outputs() != null) {
                int[] ri = r.indices();
                for (int p = 0; p < ri.length; p++) {
                    found.putIfAbsent(ri[p], r.outputs().get(p));
                }
            }
        }
        Map<Integer, List<Tensor>> out = new LinkedHashMap<>();
        boolean complete = true;
        for (int i : indices) {
            List<Tensor> o = found.get(i);
            if (o == null) {
                complete = false;
                break;
            }
            out.put(i, o);
        }
        if (complete) {
            return out;
        }
        EvaluationResult r = fp32(model, EvaluationRequest.of(QuantizationPlan.EMPTY, dataset, List.of(), stage)
                .withIndices(indices).withKeepOutputs(true));
        out.clear();
        for (int p = 0; p < indices.length; p++) {
            out.put(indices[p], r.outputs().get(p));
        }
        return out;
    }

    /** Forgets cached FP32 results (they hold outputs). */
    public void clearCache() {
        fp32Cache.clear();
    }

    /**
     * Measures a plan with an NNCF-style validation function instead of metrics: one value under
     * {@link #VALIDATION_KEY}, plus per-sample values when {@code perSample} is asked for and the
     * function provides them.
     *
     * @param indices the samples the function sees (as a {@link DatasetSubset}), null = all
     * @throws Pot4jException {@code METRIC_FAILED} when the function throws or returns NaN
     */
    public EvaluationResult evaluateFunction(Model model, QuantizationPlan plan, Dataset dataset, int[] indices,
            ValidationFunction function, boolean higherBetter, boolean perSample, String stage) {
        Dataset view = indices == null ? dataset : DatasetSubset.of(dataset, indices);
        int[] idx = indices != null ? indices.clone() : IntStream.range(0, dataset.size()).toArray();
        long t0 = System.nanoTime();
        progress.stageStarted(stage, 0);
        try (CompiledModel compiled = compile(model, plan)) {
            double value = callFunction(() -> function.validate(compiled, view), view);
            double[] values = null;
            if (perSample) {
                values = callFunctionPerSample(() -> function.validatePerSample(compiled, view), view, idx);
            }
            MetricKey key = new MetricKey(VALIDATION_KEY, -1, "validation_function", higherBetter, values != null);
            Map<String, double[]> ps = values == null ? Map.of() : Map.of(VALIDATION_KEY, values);
            return new EvaluationResult(idx, List.of(key), Map.of(VALIDATION_KEY, value), ps, null, null,
                    (System.nanoTime() - t0) / 1e9);
        } finally {
            progress.stageFinished(stage);
        }
    }

    private static double callFunction(Supplier<Double> call, Dataset view) {
        double v;
        try {
            v = call.get();
        } catch (Pot4jException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new Pot4jException(ErrorCode.METRIC_FAILED, "the validation function threw " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")") + " on dataset '" + view.name()
                    + "'; fix the validation function", e);
        }
        if (Double.isNaN(v)) {
            throw new Pot4jException(ErrorCode.METRIC_FAILED, "the validation function returned NaN on dataset '"
                    + view.name() + "'; fix the validation function");
        }
        return v;
    }

    private static double[] callFunctionPerSample(Supplier<double[]> call, Dataset view, int[] idx) {
        double[] v;
        try {
            v = call.get();
        } catch (Pot4jException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new Pot4jException(ErrorCode.METRIC_FAILED, "the validation function threw " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")") + " in validatePerSample on dataset '"
                    + view.name() + "'; fix the validation function", e);
        }
        if (v == null) {
            return null;
        }
        if (v.length != view.size()) {
            throw new Pot4jException(ErrorCode.METRIC_FAILED, "the validation function gave " + v.length
                    + " per-sample values for " + view.size() + " samples of dataset '" + view.name()
                    + "'; return one value per sample");
        }
        for (int p = 0; p < v.length; p++) {
            if (Double.isNaN(v[p])) {
                throw new Pot4jException(ErrorCode.METRIC_FAILED, "the validation function returned NaN for sample "
                        + idx[p] + " of dataset '" + view.name() + "'; fix the validation function");
            }
        }
        return v.clone();
    }

    /**
     * {@link Model#compile} is not promised to be thread-safe, so compiles of one model are
     * serialized (ranking compiles candidates from several threads); inference still runs in parallel.
     */
    private CompiledModel compile(Model model, QuantizationPlan plan) {
        Object lock = COMPILE_LOCKS.computeIfAbsent(model, k -> new Object());
        synchronized (lock) {
            return model.compile(plan, Set.of());
        }
    }

    private boolean needsCheck(Model model, Dataset ds, int index) {
        BitSet seen = checkedSamples.computeIfAbsent(new Pair(new Ref(model), new Ref(ds)), k -> new BitSet());
        synchronized (seen) {
            if (seen.get(index)) {
                return false;
            }
            seen.set(index);
            return true;
        }
    }

    private static ThreadFactory daemonThreads() {
        return r -> {
            Thread t = new Thread(r, "pot4j-eval-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** One pass over the samples. */
    private final class Pass {
        private final Model model;
        private final CompiledModel compiled;
        private final EvaluationRequest request;
        private final Dataset ds;
        private final int[] idx;
        private final int n;
        private final int batch;
        private final int batches;
        private final AtomicInteger nextBatch = new AtomicInteger();
        private final AtomicLong done = new AtomicLong();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final Map<String, double[]> perSample = new ConcurrentHashMap<>();
        private final List<List<Tensor>> outputs;
        private final double[] distances;
        private final boolean[] metricPerSample;
        private volatile List<String> outputNames;

        Pass(Model model, CompiledModel compiled, EvaluationRequest request, int[] idx) {
            this.model = model;
            this.compiled = compiled;
            this.request = request;
            this.ds = request.dataset();
            this.idx = idx;
            this.n = idx.length;
            this.batch = Math.max(1, Batches.batchSizeFor(model));
            this.batches = (n + batch - 1) / batch;
            this.outputs = request.keepOutputs() ? new ArrayList<>(Collections.nCopies(n, null)) : null;
            double[] d = null;
            if (request.reference() != null) {
                d = new double[n];
                Arrays.fill(d, Double.NaN);
            }
            this.distances = d;
            this.metricPerSample = new boolean[request.metrics().size()];
        }

        EvaluationResult run() {
            long t0 = System.nanoTime();
            String stage = request.stage();
            progress.stageStarted(stage, n);
            try {
                List<GuardedMetric> aggregate = instantiate();
                for (int i = 0; i < aggregate.size(); i++) {
                    metricPerSample[i] = aggregate.get(i).metric().perSample();
                }
                int requested = request.workers() > 0 ? request.workers() : defaultWorkers;
                int workers = compiled.threadSafe() ? Math.min(requested, batches) : 1;
                if (workers <= 1) {
                    work(aggregate, null);
                } else {
                    runParallel(workers, new OrderedFeed(aggregate));
                }
                Throwable t = failure.get();
                if (t != null) {
                    rethrow(t);
                }
                Map<String, Double> agg = new LinkedHashMap<>();
                List<MetricKey> keys = new ArrayList<>();
                for (int i = 0; i < aggregate.size(); i++) {
                    GuardedMetric g = aggregate.get(i);
                    Map<String, Double> avg = g.avgValue();
                    Map<String, Map<String, String>> attrs = attributes(g);
                    for (String k : new TreeSet<>(avg.keySet())) {
                        agg.put(k, avg.get(k));
                        keys.add(keyOf(k, i, g.metric(), attrs));
                    }
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                LOG.debug("{}: {} samples in {}s -> {}", stage, n, String.format("%.2f", seconds), agg);
                return new EvaluationResult(idx, keys, agg, perSample, outputs, distances, seconds);
            } finally {
                progress.stageFinished(stage);
            }
        }

        private List<GuardedMetric> instantiate() {
            List<GuardedMetric> list = new ArrayList<>();
            for (Supplier<Metric> s : request.metrics()) {
                Metric m = s.get();
                if (m == null) {
                    throw new Pot4jException(ErrorCode.METRIC_FAILED, "a metric factory returned null; fix the metric plugin");
                }
                list.add(new GuardedMetric(m, ds.name()));
            }
            return list;
        }

        private void runParallel(int workers, OrderedFeed feed) {
            ExecutorService pool = Executors.newFixedThreadPool(workers, daemonThreads());
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int w = 0; w < workers; w++) {
                    futures.add(pool.submit(() -> {
                        work(instantiate(), feed);
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
                throw new Pot4jException(ErrorCode.INTERNAL, "evaluation '" + request.stage() + "' was interrupted", e);
            } finally {
                pool.shutdownNow();
            }
        }

        private void work(List<GuardedMetric> metrics, OrderedFeed feed) {
            try {
                int b;
                while (failure.get() == null && (b = nextBatch.getAndIncrement()) < batches) {
                    runBatch(b, metrics, feed);
                }
            } catch (RuntimeException | Error e) {
                failure.compareAndSet(null, e);
            }
        }

        private void runBatch(int b, List<GuardedMetric> metrics, OrderedFeed feed) {
            int from = b * batch;
            int to = Math.min(n, from + batch);
            List<Sample> samples = new ArrayList<>(to - from);
            for (int p = from; p < to; p++) {
                Sample s = ds.get(idx[p]);
                if (needsCheck(model, ds, idx[p])) {
                    Batches.check(ds, idx[p], s, model.inputs());
                }
                samples.add(s);
            }
            Map<String, Tensor> in = Batches.stack(samples, model.inputs());
            Map<String, Tensor> out = infer(in, from, to);
            List<Map<String, Tensor>> split = Batches.split(out, to - from);
            List<List<Tensor>> batchOutputs = new ArrayList<>(to - from);
            for (int j = 0; j < split.size(); j++) {
                int p = from + j;
                int di = idx[p];
                List<Tensor> o = select(split.get(j));
                batchOutputs.add(o);
                Object annotation = samples.get(j).annotation();
                Map<String, Object> metadata = samples.get(j).metadata();
                for (int i = 0; i < metrics.size(); i++) {
                    GuardedMetric m = metrics.get(i);
                    m.update(o, annotation, metadata, di);
                    for (Map.Entry<String, Double> e : m.value(di, metricPerSample[i]).entrySet()) {
                        perSample.computeIfAbsent(e.getKey(), k -> nanArray(n))[p] = e.getValue();
                    }
                }
                if (distances != null) {
                    List<Tensor> ref = request.reference().get(di);
                    if (ref != null) {
                        distances[p] = OutputDistance.nmse(o, ref);
                    }
                }
                if (outputs != null) {
                    outputs.set(p, o);
                }
            }
            if (feed != null) {
                feed.offer(b, batchOutputs, samples, Arrays.copyOfRange(idx, from, to));
            }
            progress.progress(request.stage(), done.addAndGet(to - from), n);
        }

        private Map<String, Tensor> infer(Map<String, Tensor> in, int from, int to) {
            try {
                return compiled.infer(in);
            } catch (Pot4jException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new Pot4jException(ErrorCode.RUNTIME_FAILURE, "running the model (" + request.stage() + ") on samples "
                        + idx[from] + ".." + idx[to - 1] + " of dataset '" + ds.name() + "' failed: " + e, e);
            }
        }

        /** The model outputs (not the extra ones) of one sample, in model output order. */
        private List<Tensor> select(Map<String, Tensor> one) {
            List<String> names = outputNames;
            if (names == null) {
                List<String> declared = model.outputs().stream().map(t -> t.name()).toList();
                names = one.keySet().containsAll(declared) && !declared.isEmpty() ? declared
                        : compiled.outputNames().subList(0, Math.max(1, Math.min(declared.size(), compiled.outputNames().size())));
                outputNames = names;
            }
            List<Tensor> o = new ArrayList<>(names.size());
            for (String name : names) {
                Tensor t = one.get(name);
                if (t == null) {
                    throw new Pot4jException(ErrorCode.RUNTIME_FAILURE, "the compiled model returned no output '" + name
                            + "' (" + request.stage() + "); it returned " + one.keySet());
                }
                o.add(t);
            }
            return o;
        }
    }

    /** Feeds the aggregate metrics in sample order whatever order batches finish in. */
    private static final class OrderedFeed {
        private final List<GuardedMetric> metrics;
        private final TreeMap<Integer, Object[]> pending = new TreeMap<>();
        private int next;

        OrderedFeed(List<GuardedMetric> metrics) {
            this.metrics = metrics;
        }

        synchronized void offer(int batch, List<List<Tensor>> outputs, List<Sample> samples, int[] sampleIndices) {
            pending.put(batch, new Object[] {outputs, samples, sampleIndices});
            while (!pending.isEmpty() && pending.firstKey() == next) {
                Object[] item = pending.pollFirstEntry().getValue();
                @SuppressWarnings("unchecked")
                List<List<Tensor>> outs = (List<List<Tensor>>) item[0];
                @SuppressWarnings("unchecked")
                List<Sample> batchSamples = (List<Sample>) item[1];
                int[] si = (int[]) item[2];
                for (int j = 0; j < outs.size(); j++) {
                    Sample s = batchSamples.get(j);
                    for (GuardedMetric m : metrics) {
                        m.update(outs.get(j), s.annotation(), s.metadata(), si[j]);
                    }
                }
                next++;
            }
        }
    }

    private static Map<String, Map<String, String>> attributes(GuardedMetric g) {
        try {
            Map<String, Map<String, String>> a = g.metric().attributes();
            return a == null ? Map.of() : a;
        } catch (RuntimeException e) {
            throw new Pot4jException(ErrorCode.METRIC_FAILED, "metric '" + g.label() + "' threw " + e
                    + " in attributes(); fix the metric plugin", e);
        }
    }

    /** Direction from the attributes' {@code direction} when given, else {@code higherBetter()}. */
    static MetricKey keyOf(String key, int index, Metric metric, Map<String, Map<String, String>> attrs) {
        Map<String, String> a = attrs.get(key);
        if (a == null && attrs.size() == 1) {
            a = attrs.values().iterator().next();
        }
        boolean higherBetter = metric.higherBetter();
        String type = key;
        if (a != null) {
            String dir = a.get("direction");
            if ("higher-worse".equalsIgnoreCase(dir)) {
                higherBetter = false;
            } else if ("higher-better".equalsIgnoreCase(dir)) {
                higherBetter = true;
            }
            if (a.get("type") != null) {
                type = a.get("type");
            }
        }
        return new MetricKey(key, index, type, higherBetter, metric.perSample());
    }

    private static double[] nanArray(int n) {
        double[] a = new double[n];
        Arrays.fill(a, Double.NaN);
        return a;
    }

    private static void rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new Pot4jException(ErrorCode.INTERNAL, "evaluation failed: " + t, t);
    }

    /** Identity reference: caches key on the very objects, not on their equals(). */
    private record Ref(Object target) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Ref r && r.target == target;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(target);
        }
    }

    private record Pair(Ref a, Ref b) {
    }

    private record CacheKey(Ref model, Ref dataset, String indices, List<Ref> metrics) {
        static CacheKey of(Model model, Dataset dataset, int[] indices, List<Supplier<Metric>> metrics) {
            List<Ref> m = new ArrayList<>();
            for (Supplier<Metric> s : metrics) {
                m.add(new Ref(s));
            }
            return new CacheKey(new Ref(model), new Ref(dataset), indices == null ? "all" : Arrays.toString(indices), m);
        }
    }
}
