package org.pot4j.engine.evaluation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.WeakHashMap;
import java.util.Objects;
import com.google.inject.Inject;
import com.google.inject.Singleton;
import java.util.concurrent.ConcurrentHashMap;
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
import org.pot4j.engine.config.PlanJson;
import org.pot4j.engine.data.Batches;
import org.pot4j.engine.data.Fp32OutputDataset;
import org.pot4j.engine.data.InputAnnotatedDataset;
import org.pot4j.engine.evaluation.executor.DatasetDescriptor;
import org.pot4j.engine.evaluation.executor.Descriptors;
import org.pot4j.engine.evaluation.executor.EvaluationExecutor;
import org.pot4j.engine.evaluation.executor.EvaluationTask;
import org.pot4j.engine.evaluation.executor.LiveInputs;
import org.pot4j.engine.evaluation.executor.LocalEvaluationExecutor;
import org.pot4j.engine.evaluation.executor.ModelDescriptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's evaluation service (one per engine, injected by Guice; {@link #withProgress} gives
 * views that share it): runs a model under a plan over a dataset and measures it with metrics, the
 * way POT's engine does, batched and parallel over the dataset. Inference goes through the
 * configured {@link EvaluationExecutor} ({@code engine.executor}: {@code local} by default, the
 * engine's one {@link InferenceLoop}; a remote executor such as Spark gets a serializable
 * {@link EvaluationTask}); metrics, caches and ordering stay here, so results do not depend on
 * where inference ran.
 *
 * <p>Determinism: every worker has its own fresh metric instances, so the value after a sample's
 * update depends on that sample only (for per-sample metrics) and per-sample values do not depend on
 * the number of threads. The aggregate ({@code avgValue}) comes from one more instance fed in sample
 * order, so it is the same as a sequential run's too.
 *
 * <p>Caches, per model (weakly held, gone with the model): FP32 results per (dataset, samples,
 * metrics) by {@link #fp32}, so AccuracyAware measures the original model once however many
 * iterations it runs and {@code annotation: fp32_output} reuses the same outputs; and the last few
 * full-dataset results of quantized plans, so the job runner's final FP32/INT8 evaluation after
 * AccuracyAware reuses the values AccuracyAware has just computed. Thread-safe: ranking evaluates
 * several candidate plans at once.
 */
@Singleton
public final class Evaluator {
    /** Key under which {@link #evaluateFunction} reports a validation function's value. */
    public static final String VALIDATION_KEY = "validation";
    /** Full-dataset results of quantized plans kept per model. */
    private static final int RECENT_RESULTS = 8;

    private static final Logger LOG = LoggerFactory.getLogger(Evaluator.class);

    private final Shared shared;
    private final ProgressListener progress;
    private final int defaultWorkers;

    /** The engine's evaluator (Guice): the engine's progress listener, {@link #defaultWorkers()} workers. */
    @Inject
    public Evaluator(ProgressListener progress, Descriptors descriptors) {
        this(new Shared(descriptors), progress, defaultWorkers());
    }

    /**
     * A stand-alone evaluator (own caches, local executor).
     *
     * @param progress where pass progress goes
     * @param workers  default number of parallel workers per pass (at least 1)
     */
    public Evaluator(ProgressListener progress, int workers) {
        this(new Shared(new Descriptors()), progress, workers);
    }

    /** A stand-alone evaluator with {@link #defaultWorkers()} workers. */
    public Evaluator(ProgressListener progress) {
        this(progress, defaultWorkers());
    }

    private Evaluator(Shared shared, ProgressListener progress, int workers) {
        this.shared = shared;
        this.progress = progress == null ? ProgressListener.NONE : progress;
        this.defaultWorkers = Math.max(1, workers);
    }

    /** Workers used when nobody says: the cores, at most 4 (runtimes parallelize inside a batch too). */
    public static int defaultWorkers() {
        return Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
    }

    /** A view of this evaluator (same caches and executor) reporting to {@code listener} with {@code workers} default workers. */
    public Evaluator withProgress(ProgressListener listener, int workers) {
        return new Evaluator(shared, listener, workers);
    }

    /** A view of this evaluator (same caches, executor and workers) reporting to {@code listener}. */
    public Evaluator withProgress(ProgressListener listener) {
        return new Evaluator(shared, listener, defaultWorkers);
    }

    /** Where this evaluator reports progress. */
    public ProgressListener progress() {
        return progress;
    }

    /** Default workers per pass of this view. */
    public int workers() {
        return defaultWorkers;
    }

    /** The executor inference runs on. */
    public EvaluationExecutor executor() {
        return shared.executor;
    }

    /**
     * Runs inference on {@code executor} until the returned handle is closed (then the previous
     * executor is back and {@code executor} is closed). The job runner sets each model's
     * {@code engine.executor} this way.
     */
    public AutoCloseable useExecutor(EvaluationExecutor executor) {
        Objects.requireNonNull(executor, "executor");
        EvaluationExecutor previous;
        synchronized (shared) {
            previous = shared.executor;
            shared.executor = executor;
        }
        return () -> {
            synchronized (shared) {
                shared.executor = previous;
            }
            executor.close();
        };
    }

    /**
     * Runs one pass. (A full pass is remembered, without outputs, for {@link #measured}.)
     *
     * @throws Pot4jException {@code METRIC_FAILED} when a metric throws or returns NaN,
     *                        {@code DATASET_EMPTY} for no samples, shape/runtime errors from the model
     */
    public EvaluationResult evaluate(Model model, EvaluationRequest request) {
        return evaluate(model, request, false);
    }

    /**
     * The values of a full pass: taken from the cache when this plan (its metadata aside) was
     * measured on the same data with the same metric factories and batch size since the model was
     * loaded (AccuracyAware has just measured FP32 and its final plan), else run as
     * {@link #evaluate} ({@link #fp32} for the empty plan). Objects are compared by identity: a
     * dataset is not expected to change while its model is loaded.
     */
    public EvaluationResult measured(Model model, EvaluationRequest request) {
        if (request.plan().isEmpty()) {
            return fp32(model, request);
        }
        return evaluate(model, request, true);
    }

    private EvaluationResult evaluate(Model model, EvaluationRequest request, boolean lookUp) {
        Dataset ds = request.dataset();
        int[] idx = request.indices() != null ? request.indices() : IntStream.range(0, ds.size()).toArray();
        if (idx.length == 0) {
            throw new Pot4jException(ErrorCode.DATASET_EMPTY, "dataset '" + ds.name() + "' has no samples to evaluate ("
                    + request.stage() + "); give it at least one sample");
        }
        boolean cacheable = !request.keepOutputs() && request.reference() == null && isAll(idx, ds.size());
        ModelCache cache = shared.cache(model);
        PassKey key = cacheable ? new PassKey(CacheKey.of(ds, null, request.metrics(), request.batchSize()),
                planKey(request.plan())) : null;
        if (key != null && lookUp) {
            EvaluationResult r = cache.recent(key);
            if (r != null) {
                LOG.debug("{}: result reused from cache", request.stage());
                return r;
            }
        }
        EvaluationResult result = new Pass(model, request, idx, cache).run();
        if (key != null) {
            cache.remember(key, result);
        }
        return result;
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
        ModelCache cache = shared.cache(model);
        CacheKey key = CacheKey.of(request.dataset(), request.indices(), request.metrics(), request.batchSize());
        EvaluationResult cached = cache.fp32.get(key);
        if (cached != null && (!request.keepOutputs() || cached.outputs() != null)) {
            LOG.debug("FP32 result of '{}' reused from cache", request.dataset().name());
            return cached;
        }
        EvaluationResult result = evaluate(model, request.withKeepOutputs(request.keepOutputs()));
        cache.fp32.put(key, result);
        return result;
    }

    /**
     * FP32 outputs of the samples {@code indices} of {@code dataset}, by dataset index: taken from an
     * earlier cached FP32 pass that kept outputs, else computed once (no metrics) and cached.
     */
    public Map<Integer, List<Tensor>> fp32Outputs(Model model, Dataset dataset, int[] indices, String stage) {
        Map<Integer, List<Tensor>> out = cachedFp32Outputs(model, dataset, indices);
        if (out != null) {
            return out;
        }
        EvaluationResult r = fp32(model, EvaluationRequest.of(QuantizationPlan.EMPTY, dataset, List.of(), stage)
                .withIndices(indices).withKeepOutputs(true));
        out = new LinkedHashMap<>();
        for (int p = 0; p < indices.length; p++) {
            out.put(indices[p], r.outputs().get(p));
        }
        return out;
    }

    /**
     * The cached FP32 outputs of those samples (from passes in the model's batch size over this
     * dataset or over a view showing the same inputs, e.g. the {@code fp32_output} view of it), or
     * null when some are not cached.
     */
    private Map<Integer, List<Tensor>> cachedFp32Outputs(Model model, Dataset dataset, int[] indices) {
        Set<Dataset> sameInputs = sameInputs(dataset);
        Map<Integer, List<Tensor>> found = new HashMap<>();
        for (Map.Entry<CacheKey, EvaluationResult> e : shared.cache(model).fp32.entrySet()) {
            CacheKey k = e.getKey();
            EvaluationResult r = e.getValue();
            if (sameInputs.contains((Dataset) k.dataset().target()) && r.outputs() != null && k.batchSize() == 0) {
                int[] ri = r.indices();
                for (int p = 0; p < ri.length; p++) {
                    found.putIfAbsent(ri[p], r.outputs().get(p));
                }
            }
        }
        Map<Integer, List<Tensor>> out = new LinkedHashMap<>();
        for (int i : indices) {
            List<Tensor> o = found.get(i);
            if (o == null) {
                return null;
            }
            out.put(i, o);
        }
        return out;
    }

    /** {@code dataset} and the datasets whose inputs it shows unchanged (identity set). */
    private static Set<Dataset> sameInputs(Dataset dataset) {
        Set<Dataset> set = Collections.newSetFromMap(new IdentityHashMap<>());
        Dataset d = dataset;
        while (d != null && set.add(d)) {
            d = d instanceof Fp32OutputDataset f ? f.base() : d instanceof InputAnnotatedDataset a ? a.base() : null;
        }
        return set;
    }

    /** Forgets every cached result (they hold outputs). */
    public void clearCache() {
        synchronized (shared.models) {
            shared.models.clear();
        }
    }

    /** Forgets the cached results of {@code model} (the job runner calls it when the model is closed). */
    public void forget(Model model) {
        synchronized (shared.models) {
            shared.models.remove(model);
        }
    }

    /**
     * Measures a plan with an NNCF-style validation function instead of metrics: one value under
     * {@link #VALIDATION_KEY}, plus per-sample values when {@code perSample} is asked for and the
     * function provides them. (The function runs the compiled model itself, so this is in-process.)
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
        try (CompiledModel compiled = Compilation.compile(model, plan, Set.of())) {
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

    /** One pass over the samples: inference on the executor, metrics here. */
    private final class Pass {
        private final Model model;
        private final EvaluationRequest request;
        private final Dataset ds;
        private final int[] idx;
        private final int n;
        private final ModelCache cache;
        private final Map<Integer, List<GuardedMetric>> workerMetrics = new ConcurrentHashMap<>();
        private final Map<String, double[]> perSample = new ConcurrentHashMap<>();
        private final List<List<Tensor>> outputs;
        private final double[] distances;
        private boolean[] metricPerSample;

        Pass(Model model, EvaluationRequest request, int[] idx, ModelCache cache) {
            this.model = model;
            this.request = request;
            this.ds = request.dataset();
            this.idx = idx;
            this.n = idx.length;
            this.cache = cache;
            this.outputs = request.keepOutputs() ? new ArrayList<>(Collections.nCopies(n, null)) : null;
            double[] d = null;
            if (request.reference() != null) {
                d = new double[n];
                Arrays.fill(d, Double.NaN);
            }
            this.distances = d;
        }

        EvaluationResult run() {
            long t0 = System.nanoTime();
            String stage = request.stage();
            List<GuardedMetric> aggregate = instantiate();
            metricPerSample = new boolean[aggregate.size()];
            for (int i = 0; i < aggregate.size(); i++) {
                metricPerSample[i] = aggregate.get(i).metric().perSample();
            }
            int workers = request.workers() > 0 ? request.workers() : defaultWorkers;
            int batch = request.batchSize() > 0 ? Batches.batchSizeFor(model, request.batchSize()) : Batches.batchSizeFor(model);
            List<String> outputNames = model.outputs().stream().map(t -> t.name()).toList();
            EvaluationExecutor executor = shared.executor;
            ModelDescriptor md = executor.inProcess() ? null : shared.descriptors.of(model);
            DatasetDescriptor dd = executor.inProcess() ? null : shared.descriptors.of(ds);
            EvaluationTask task = EvaluationTask.of(md, request.plan(), dd, idx, outputNames, batch, workers, stage);
            if (!executor.inProcess() && !task.remotable()) {
                LOG.info("{}: model or dataset '{}' was not opened from a file spec; running it locally instead of on '{}'",
                        stage, ds.name(), executor.type());
                executor = LOCAL;
            }
            // one in-process worker feeds the aggregate instances directly; else each worker has its own
            // and the aggregate is fed in sample order
            OrderedFeed feed = workers == 1 && executor.inProcess() ? null : new OrderedFeed(aggregate);
            if (feed == null) {
                workerMetrics.put(0, aggregate);
            }
            LiveInputs live = new LiveInputs(model, request.plan(), ds, progress, i -> cache.needsCheck(ds, i));
            Map<Integer, List<Tensor>> known = request.plan().isEmpty() && request.batchSize() == 0
                    ? cachedFp32Outputs(model, ds, idx) : null;
            if (known != null) {
                // the FP32 outputs of these inputs are cached (e.g. by the fp32_output annotation pass): only the metrics run
                LOG.debug("{}: FP32 outputs of {} samples taken from the cache", stage, n);
                progress.stageStarted(stage, n);
                List<List<Tensor>> outs = new ArrayList<>(n);
                for (int i : idx) {
                    outs.add(known.get(i));
                }
                accept(0, 0, outs, null, feed);
                progress.progress(stage, n, n);
                progress.stageFinished(stage);
            } else {
                executor.run(task, live, (worker, from, outs, samples) -> accept(worker, from, outs, samples, feed));
            }
            if (feed != null) {
                feed.finish(n);
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

        private void accept(int worker, int from, List<List<Tensor>> outs, List<Sample> read, OrderedFeed feed) {
            List<Sample> samples = read;
            if (samples == null) {
                samples = new ArrayList<>(outs.size());
                for (int j = 0; j < outs.size(); j++) {
                    samples.add(ds.get(idx[from + j])); // annotations stay on this side
                }
            }
            List<GuardedMetric> metrics = workerMetrics.computeIfAbsent(worker, w -> instantiate());
            for (int j = 0; j < outs.size(); j++) {
                int p = from + j;
                int di = idx[p];
                List<Tensor> o = outs.get(j);
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
                feed.offer(from, outs, samples, Arrays.copyOfRange(idx, from, from + outs.size()));
            }
        }
    }

    /** Runs passes in-process when a remote executor cannot re-create the model or the dataset. */
    private static final EvaluationExecutor LOCAL = new LocalEvaluationExecutor();

    /** Feeds the aggregate metrics in sample order whatever order batches finish in. */
    private static final class OrderedFeed {
        private final List<GuardedMetric> metrics;
        private final TreeMap<Integer, Object[]> pending = new TreeMap<>();
        private int next;

        OrderedFeed(List<GuardedMetric> metrics) {
            this.metrics = metrics;
        }

        synchronized void offer(int from, List<List<Tensor>> outputs, List<Sample> samples, int[] sampleIndices) {
            pending.put(from, new Object[] {outputs, samples, sampleIndices});
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
                next += outs.size();
            }
        }

        /** Fails when an executor handed back fewer samples than asked for. */
        synchronized void finish(int n) {
            if (next != n) {
                throw new Pot4jException(ErrorCode.INTERNAL, "the evaluation executor returned " + next + " of " + n
                        + " samples in order" + (pending.isEmpty() ? "" : " (a gap before position " + pending.firstKey() + ")"));
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

    private static boolean isAll(int[] idx, int size) {
        if (idx.length != size) {
            return false;
        }
        for (int i = 0; i < idx.length; i++) {
            if (idx[i] != i) {
                return false;
            }
        }
        return true;
    }

    /** What a plan computes: the plan without its free-form metadata (which only the saved model records). */
    private static String planKey(QuantizationPlan plan) {
        if (plan.metadata().isEmpty()) {
            return PlanJson.write(plan);
        }
        QuantizationPlan.Builder b = QuantizationPlan.builder();
        plan.weights().forEach(b::weight);
        plan.activations().forEach(b::activation);
        plan.biasShifts().forEach(b::biasShift);
        plan.fp32Nodes().forEach(b::fp32Node);
        return PlanJson.write(b.build());
    }

    /** State every view of one evaluator shares. */
    private static final class Shared {
        final Descriptors descriptors;
        final Map<Model, ModelCache> models = new WeakHashMap<>();
        volatile EvaluationExecutor executor = new LocalEvaluationExecutor();

        Shared(Descriptors descriptors) {
            this.descriptors = descriptors;
        }

        ModelCache cache(Model model) {
            synchronized (models) {
                return models.computeIfAbsent(model, m -> new ModelCache());
            }
        }
    }

    /** One model's cached results and checked samples. */
    private static final class ModelCache {
        final Map<CacheKey, EvaluationResult> fp32 = new ConcurrentHashMap<>();
        private final LinkedHashMap<PassKey, EvaluationResult> recent = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<PassKey, EvaluationResult> eldest) {
                return size() > RECENT_RESULTS;
            }
        };
        private final Map<Ref, BitSet> checked = new ConcurrentHashMap<>();

        synchronized EvaluationResult recent(PassKey key) {
            return recent.get(key);
        }

        synchronized void remember(PassKey key, EvaluationResult result) {
            recent.put(key, result);
        }

        boolean needsCheck(Dataset ds, int index) {
            BitSet seen = checked.computeIfAbsent(new Ref(ds), k -> new BitSet());
            synchronized (seen) {
                if (seen.get(index)) {
                    return false;
                }
                seen.set(index);
                return true;
            }
        }
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

    private record CacheKey(Ref dataset, String indices, List<Ref> metrics, int batchSize) {
        static CacheKey of(Dataset dataset, int[] indices, List<Supplier<Metric>> metrics, int batchSize) {
            List<Ref> m = new ArrayList<>();
            for (Supplier<Metric> s : metrics) {
                m.add(new Ref(s));
            }
            return new CacheKey(new Ref(dataset), indices == null ? "all" : Arrays.toString(indices), m, batchSize);
        }
    }

    private record PassKey(CacheKey data, String plan) {
    }
}
