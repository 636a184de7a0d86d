package org.pot4j.engine;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Module;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.ProgressListener;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.data.DatasetProvider;
import org.pot4j.api.metric.Metric;
import org.pot4j.api.metric.MetricProvider;
import org.pot4j.api.metric.ValidationFunction;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.ModelBackend;
import org.pot4j.api.model.ModelBackendProvider;
import org.pot4j.api.quant.QuantizationAlgorithm;
import org.pot4j.api.quant.QuantizationAlgorithmProvider;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.api.quant.QuantizationResult;
import org.pot4j.engine.config.ConfigErrors;
import org.pot4j.engine.config.ConfigLoader;
import org.pot4j.engine.config.ParamBinder;
import org.pot4j.engine.config.Pot4jConfig;
import org.pot4j.engine.config.Suggestions;
import org.pot4j.engine.data.Fp32OutputDataset;
import org.pot4j.engine.data.InputAnnotatedDataset;
import org.pot4j.engine.data.InputLimitCheck;
import org.pot4j.engine.evaluation.EvaluationRequest;
import org.pot4j.engine.evaluation.Evaluator;
import org.pot4j.engine.evaluation.executor.DatasetDescriptor;
import org.pot4j.engine.evaluation.executor.Descriptors;
import org.pot4j.engine.evaluation.executor.EvaluationExecutor;
import org.pot4j.engine.evaluation.executor.EvaluationExecutors;
import org.pot4j.engine.evaluation.executor.ModelDescriptor;
import org.pot4j.engine.inject.Pot4jModule;
import org.pot4j.engine.plugin.BackendFileKinds;
import org.pot4j.engine.plugin.PluginDiscovery;
import org.pot4j.engine.plugin.PluginKind;
import org.pot4j.engine.plugin.PluginRegistry;
import org.pot4j.engine.plugin.PluginReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pot4j facade: load models, quantize them (NNCF-style {@link #quantize} and
 * {@link #quantizeWithAccuracyControl}), evaluate, and look up metrics, datasets and algorithms
 * by name. Built by Guice from what plugin discovery found; see {@link #create()} and
 * {@link #builder()}. Thread-safe. {@link #close()} releases backends and plugin class loaders.
 */
public final class Pot4j implements AutoCloseable {
    /** Algorithm run by {@link #quantize}. */
    public static final String DEFAULT_QUANTIZATION = "DefaultQuantization";
    /** Algorithm run by {@link #quantizeWithAccuracyControl}. */
    public static final String ACCURACY_AWARE_QUANTIZATION = "AccuracyAwareQuantization";

    private static final Logger LOG = LoggerFactory.getLogger(Pot4j.class);

    private final Map<String, ModelBackendProvider> backendProviders;
    @SuppressWarnings("rawtypes")
    private final Map<String, MetricProvider> metricProviders;
    private final Map<String, QuantizationAlgorithmProvider> algorithmProviders;
    @SuppressWarnings("rawtypes")
    private final Map<String, DatasetProvider> datasetProviders;
    private final PluginRegistry registry;
    private final ProgressListener progress;
    private final Injector injector;
    private final Evaluator evaluator;
    private final Descriptors descriptors;
    /** Backends bound by extra Guice modules rather than discovered (rare; tests, embedding apps). */
    private final Map<String, ModelBackend> extraBackends = new ConcurrentHashMap<>();

    @Inject
    Pot4j(Map<String, ModelBackendProvider> backendProviders, Map<String, MetricProvider> metricProviders,
          Map<String, QuantizationAlgorithmProvider> algorithmProviders, Map<String, DatasetProvider> datasetProviders,
          PluginRegistry registry, ProgressListener progress, Injector injector, Evaluator evaluator,
          Descriptors descriptors) {
        this.backendProviders = backendProviders;
        this.metricProviders = metricProviders;
        this.algorithmProviders = algorithmProviders;
        this.datasetProviders = datasetProviders;
        this.registry = registry;
        this.progress = progress;
        this.injector = injector;
        this.evaluator = evaluator;
        this.descriptors = descriptors;
    }

    /** The engine over the class path plus {@code ./plugins} when that folder exists. */
    public static Pot4j create() {
        Path local = Path.of("plugins");
        return builder().pluginDirs(Files.isDirectory(local) ? List.of(local) : List.of()).build();
    }

    /** A builder to choose plugin folders, class loader and progress listener. */
    public static Builder builder() {
        return new Builder();
    }

    /** The pot4j version (from the engine jar's manifest), or {@code dev} when run from classes. */
    public static String version() {
        String v = Pot4j.class.getPackage() == null ? null : Pot4j.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    // ---------------------------------------------------------------- plugins

    /** Every discovered provider with version, source and (for backends) capabilities, plus failures. */
    public PluginReport plugins() {
        return registry.report();
    }

    /** The discovery result. */
    public PluginRegistry registry() {
        return registry;
    }

    /** The engine's progress listener. */
    public ProgressListener progress() {
        return progress;
    }

    /** The Guice injector this facade came from. */
    public Injector injector() {
        return injector;
    }

    /** The engine's evaluation service (one per engine: its caches are shared by every algorithm and the job runner). */
    public Evaluator evaluator() {
        return evaluator;
    }

    /** Installed evaluation executor types ({@code engine.executor.type}), sorted. */
    public Set<String> executorTypes() {
        return new TreeSet<>(EvaluationExecutors.discover(registry).keySet());
    }

    /**
     * A new executor from a config's {@code engine.executor} object ({@code type} plus the
     * executor's parameters); null or empty means {@code local}.
     *
     * @throws Pot4jException {@code CONFIG_INVALID} for an unknown type or key
     */
    public EvaluationExecutor executor(Map<String, Object> spec) {
        return EvaluationExecutors.create(registry, spec);
    }

    /** Installed backend names, sorted. */
    public Set<String> backendNames() {
        return new TreeSet<>(backendProviders.keySet());
    }

    /** Installed metric names, sorted. */
    public Set<String> metricNames() {
        return new TreeSet<>(metricProviders.keySet());
    }

    /** Installed algorithm names, sorted. */
    public Set<String> algorithmNames() {
        return new TreeSet<>(algorithmProviders.keySet());
    }

    /** Installed dataset types, sorted. */
    public Set<String> datasetTypes() {
        return new TreeSet<>(datasetProviders.keySet());
    }

    // ---------------------------------------------------------------- models

    /**
     * Loads a model with the first installed backend that accepts it (the one its extension
     * suggests is asked first, so other runtimes' native libraries are not loaded for nothing).
     *
     * @throws Pot4jException {@code FILE_NOT_FOUND}; {@code NO_BACKEND} naming the backend to install
     */
    public Model loadModel(Path path) {
        return loadModel(path, null, Map.of());
    }

    /**
     * Loads a model with the named backend (null: choose by {@code accepts}).
     *
     * @param options backend-specific options (e.g. {@code signature}), may be null
     */
    public Model loadModel(Path path, String backend, Map<String, Object> options) {
        Objects.requireNonNull(path, "path");
        Map<String, Object> opts = options == null ? Map.of() : options;
        if (!Files.exists(path)) {
            throw new Pot4jException(ErrorCode.FILE_NOT_FOUND, "model " + path + " does not exist; check the path"
                    + " (relative paths in a config resolve against the config's folder)");
        }
        if (!Files.isRegularFile(path) && !Files.isDirectory(path)) {
            // a FIFO would block the reader forever and a device never ends
            throw new Pot4jException(ErrorCode.FILE_NOT_FOUND, "model " + path + " is not a regular file or folder (a pipe,"
                    + " socket or device?); give the model file, or the folder of a SavedModel");
        }
        HeapCheck.beforeReading(path, "model " + path);
        String name = backend != null ? backend : chooseBackend(path);
        ModelBackend b = backend(name);
        LOG.info("loading {} with backend {}", path, name);
        try {
            Model m = b.load(path, opts);
            if (m == null) {
                throw new IllegalStateException("load() returned null");
            }
            descriptors.record(m, new ModelDescriptor(name, path.toString(), opts));
            return m;
        } catch (Pot4jException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new Pot4jException(ErrorCode.RUNTIME_FAILURE, "backend '" + name + "' failed to load " + path + ": " + e, e);
        }
    }

    /**
     * The started backend of that name.
     *
     * @throws Pot4jException {@code NO_BACKEND} or {@code PLUGIN_LOAD_FAILED}
     */
    public ModelBackend backend(String name) {
        registry.requireUnambiguous(PluginKind.BACKEND, name);
        if (registry.find(PluginKind.BACKEND, name).isPresent() || !backendProviders.containsKey(name)) {
            if (!backendProviders.containsKey(name)) {
                throw new Pot4jException(ErrorCode.NO_BACKEND, "backend '" + name + "' is not installed"
                        + Suggestions.didYouMean(name, backendProviders.keySet()) + "; installed backends: "
                        + backendNames() + "; install backend-" + name + " into plugins/");
            }
            return registry.backend(name);
        }
        return extraBackends.computeIfAbsent(name, n -> backendProviders.get(n).create(Map.of()));
    }

    private String chooseBackend(Path path) {
        String guess = BackendFileKinds.backendFor(path, backendProviders);
        List<String> order = new ArrayList<>(backendNames());
        if (guess != null && order.remove(guess)) {
            order.add(0, guess);
        }
        List<String> broken = new ArrayList<>();
        for (String name : order) {
            ModelBackend b;
            try {
                b = backend(name);
            } catch (Pot4jException e) {
                broken.add(name + " (" + e.getMessage() + ")");
                continue;
            }
            try {
                if (b.accepts(path)) {
                    return name;
                }
            } catch (RuntimeException e) {
                LOG.warn("backend {} failed to check {}: {}", name, path, e.toString());
            }
        }
        if (guess != null && backendNames().contains(guess) && broken.stream().noneMatch(b -> b.startsWith(guess + " ("))) {
            return guess; // installed but not claiming the file: its load says what the file is and what it needs
        }
        String install = guess == null ? "install the backend for its framework (backend-onnx, backend-tensorflow or backend-djl)"
                : "install backend-" + guess;
        throw new Pot4jException(ErrorCode.NO_BACKEND, "no backend for " + path + "; " + install + " into plugins/"
                + " (installed backends: " + backendNames() + (broken.isEmpty() ? "" : "; failed to start: " + broken) + ")");
    }

    // ---------------------------------------------------------------- quantization

    /**
     * NNCF's {@code quantize}: runs {@code DefaultQuantization} with {@code params} (POT names,
     * e.g. {@code preset}, {@code stat_subset_size}; null or empty for the defaults).
     */
    public QuantizationResult quantize(Model model, Dataset calibration, Map<String, Object> params) {
        return run(model, AlgorithmRun.builder(DEFAULT_QUANTIZATION).params(params).calibration(calibration).build());
    }

    /** NNCF's default {@code max_drop}: one accuracy point, absolute. */
    public static final double DEFAULT_MAX_DROP = 0.01;
    /** NNCF's default {@code drop_type}. */
    public static final String DEFAULT_DROP_TYPE = "absolute";

    /**
     * NNCF's {@code quantize_with_accuracy_control(model, calibration, validation, validate)} with its
     * defaults: {@code max_drop} {@value #DEFAULT_MAX_DROP}, {@code drop_type} ABSOLUTE. A missed
     * target returns the best plan as {@code BEST_EFFORT}; pass {@code on_target_missed: error} in
     * the params overload to get NNCF's error instead.
     */
    public QuantizationResult quantizeWithAccuracyControl(Model model, Dataset calibration, Dataset validation,
                                                          Supplier<Metric> metric) {
        return quantizeWithAccuracyControl(model, calibration, validation, metric, DEFAULT_MAX_DROP, DEFAULT_DROP_TYPE);
    }

    /** As {@link #quantizeWithAccuracyControl(Model, Dataset, Dataset, Supplier)} with a validation function. */
    public QuantizationResult quantizeWithAccuracyControl(Model model, Dataset calibration, Dataset validation,
                                                          ValidationFunction validate) {
        return quantizeWithAccuracyControl(model, calibration, validation, validate, DEFAULT_MAX_DROP, DEFAULT_DROP_TYPE);
    }

    /**
     * NNCF's {@code quantize_with_accuracy_control} with a metric: runs
     * {@code AccuracyAwareQuantization} until the drop of the metric on {@code validation} is at
     * most {@code maxDrop}.
     *
     * @param dropType {@code absolute} or {@code relative} (case-insensitive); null means absolute
     */
    public QuantizationResult quantizeWithAccuracyControl(Model model, Dataset calibration, Dataset validation,
                                                          Supplier<Metric> metric, double maxDrop, String dropType) {
        return quantizeWithAccuracyControl(model, calibration, validation, metric, maxDrop, dropType, Map.of());
    }

    /** As {@link #quantizeWithAccuracyControl(Model, Dataset, Dataset, Supplier, double, String)}, with extra AccuracyAware/DefaultQuantization params. */
    public QuantizationResult quantizeWithAccuracyControl(Model model, Dataset calibration, Dataset validation,
                                                          Supplier<Metric> metric, double maxDrop, String dropType,
                                                          Map<String, Object> params) {
        Objects.requireNonNull(metric, "metric");
        return run(model, AlgorithmRun.builder(ACCURACY_AWARE_QUANTIZATION)
                .params(accuracyParams(maxDrop, dropType, params)).calibration(calibration).validation(validation)
                .metrics(List.of(metric)).build());
    }

    /** NNCF's {@code quantize_with_accuracy_control} with a validation function (higher is better). */
    public QuantizationResult quantizeWithAccuracyControl(Model model, Dataset calibration, Dataset validation,
                                                          ValidationFunction validate, double maxDrop, String dropType) {
        return quantizeWithAccuracyControl(model, calibration, validation, validate, maxDrop, dropType, Map.of());
    }

    /** As the validation-function overload, with extra AccuracyAware/DefaultQuantization params. */
    public QuantizationResult quantizeWithAccuracyControl(Model model, Dataset calibration, Dataset validation,
                                                          ValidationFunction validate, double maxDrop, String dropType,
                                                          Map<String, Object> params) {
        Objects.requireNonNull(validate, "validate");
        return run(model, AlgorithmRun.builder(ACCURACY_AWARE_QUANTIZATION)
                .params(accuracyParams(maxDrop, dropType, params)).calibration(calibration).validation(validation)
                .validationFunction(validate, true).build());
    }

    private static Map<String, Object> accuracyParams(double maxDrop, String dropType, Map<String, Object> extra) {
        if (!(maxDrop >= 0) || Double.isInfinite(maxDrop)) {
            throw ConfigErrors.invalid(null, "max_drop", "must be a finite number >= 0, got " + maxDrop);
        }
        // AccuracyAwareQuantization checks it, with the one rule (DropType.parse), before any work
        String type = dropType == null ? DEFAULT_DROP_TYPE : dropType;
        Map<String, Object> params = new LinkedHashMap<>(extra == null ? Map.of() : extra);
        params.put("maximal_drop", maxDrop);
        params.put("drop_type", type);
        return params;
    }

    /**
     * Runs any installed algorithm.
     *
     * @param validation nullable
     * @param metrics    nullable
     * @param workDir    nullable; where the algorithm may keep checkpoints and reports
     */
    public QuantizationResult run(Model model, String algorithm, Map<String, Object> params, Dataset calibration,
                                  Dataset validation, List<Supplier<Metric>> metrics, Path workDir) {
        return run(model, AlgorithmRun.builder(algorithm).params(params).calibration(calibration).validation(validation)
                .metrics(metrics).workDir(workDir).build());
    }

    /**
     * Runs an algorithm as described by {@code run}.
     *
     * @throws Pot4jException {@code UNKNOWN_ALGORITHM}, {@code CONFIG_UNKNOWN_KEY} for a parameter
     *                        the algorithm does not take, {@code DATASET_EMPTY}, or whatever the
     *                        algorithm throws
     */
    public QuantizationResult run(Model model, AlgorithmRun run) {
        Objects.requireNonNull(model, "model");
        QuantizationAlgorithm algorithm = algorithm(run.algorithm());
        ParamBinder.requireKnown(run.params(), algorithm.parameterNames(), "algorithm '" + run.algorithm() + "'", "params");
        if (run.calibration() == null) {
            throw new Pot4jException(ErrorCode.CONFIG_INVALID, "algorithm '" + run.algorithm() + "' needs a calibration dataset");
        }
        if (run.calibration().size() == 0) {
            throw new Pot4jException(ErrorCode.DATASET_EMPTY, "calibration dataset '" + run.calibration().name() + "' is empty");
        }
        if (run.validation() != null && run.validation().size() == 0) {
            throw new Pot4jException(ErrorCode.DATASET_EMPTY, "validation dataset '" + run.validation().name() + "' is empty");
        }
        ProgressListener listener = run.progress() != null ? run.progress() : progress;
        EngineAlgorithmContext context = new EngineAlgorithmContext(this, injector, model, run, run.params(), listener);
        LOG.info("running {} on {}", run.algorithm(), model.path());
        QuantizationResult result = algorithm.run(model, context);
        if (result == null) {
            throw new Pot4jException(ErrorCode.INTERNAL, "algorithm '" + run.algorithm() + "' returned no result");
        }
        LOG.info("{} finished: {}, {}", run.algorithm(), result.status(), result.plan());
        return result;
    }

    /**
     * A new instance of an installed algorithm.
     *
     * @throws Pot4jException {@code UNKNOWN_ALGORITHM} listing the installed ones
     */
    public QuantizationAlgorithm algorithm(String name) {
        registry.requireUnambiguous(PluginKind.ALGORITHM, name);
        QuantizationAlgorithmProvider p = algorithmProviders.get(name);
        if (p == null) {
            throw new Pot4jException(ErrorCode.UNKNOWN_ALGORITHM, "algorithm '" + name + "' is not installed"
                    + Suggestions.didYouMean(name, algorithmProviders.keySet()) + "; installed algorithms: " + algorithmNames());
        }
        return p.create();
    }

    // ---------------------------------------------------------------- evaluation

    /**
     * Runs {@code model} under {@code plan} ({@link QuantizationPlan#EMPTY} for FP32) over
     * {@code data} and returns every metric's average, merged into one map. Runs in parallel over
     * the dataset (the engine's {@link Evaluator}), in the model's batch size.
     *
     * @throws Pot4jException {@code METRIC_FAILED} when a metric throws or gives NaN
     */
    public Map<String, Double> evaluate(Model model, QuantizationPlan plan, Dataset data, List<Supplier<Metric>> metrics) {
        return evaluate(model, plan, data, metrics, 0);
    }

    /**
     * As {@link #evaluate(Model, QuantizationPlan, Dataset, List)}; a {@code batchSize > 0} (a
     * config's {@code engine.batch_size}) runs in batches of that size (a model with a fixed batch
     * dimension always runs in that size). Always runs the pass; {@link Evaluator#measured} reuses
     * values an algorithm has just measured.
     */
    public Map<String, Double> evaluate(Model model, QuantizationPlan plan, Dataset data, List<Supplier<Metric>> metrics,
                                        int batchSize) {
        QuantizationPlan p = plan == null ? QuantizationPlan.EMPTY : plan;
        if (metrics == null || metrics.isEmpty()) {
            return Map.of();
        }
        String stage = "evaluate " + (p.isEmpty() ? "FP32" : "INT8") + " on " + data.name();
        EvaluationRequest request = EvaluationRequest.of(p, data, metrics, stage).withBatchSize(Math.max(0, batchSize));
        return evaluator.withProgress(progress).evaluate(model, request).aggregate();
    }

    // ---------------------------------------------------------------- metrics and datasets

    /**
     * A factory of the named metric; each call gives a fresh instance. The parameters are bound to
     * the provider's parameter record now, so a typo or a bad value fails before any long run.
     *
     * @throws Pot4jException {@code UNKNOWN_METRIC} for an unknown name, {@code CONFIG_UNKNOWN_KEY}
     *                        for a parameter the metric does not take, {@code CONFIG_INVALID} for a bad value
     */
    public Supplier<Metric> metric(String name, Map<String, Object> params) {
        return metric(name, params, "params");
    }

    /** As {@link #metric(String, Map)}; {@code path} names the parameters in messages (e.g. {@code engine.metrics[0].params}). */
    public Supplier<Metric> metric(String name, Map<String, Object> params, String path) {
        registry.requireUnambiguous(PluginKind.METRIC, name);
        MetricProvider<?> p = metricProviders.get(name);
        if (p == null) {
            throw new Pot4jException(ErrorCode.UNKNOWN_METRIC, "metric '" + name + "' is not installed"
                    + Suggestions.didYouMean(name, metricProviders.keySet()) + "; installed metrics: " + metricNames()
                    + "; a metric plugin jar goes into plugins/");
        }
        return boundMetric(p, params, path);
    }

    private static <P extends Record> Supplier<Metric> boundMetric(MetricProvider<P> p, Map<String, Object> params,
                                                                  String path) {
        P bound = ParamBinder.bind(params, p.parameters(), "metric '" + p.name() + "'", path);
        if (p.create(bound) == null) {
            throw new Pot4jException(ErrorCode.UNKNOWN_METRIC, "metric provider '" + p.name() + "' created no metric");
        }
        return () -> p.create(bound);
    }

    /**
     * Opens a dataset from a config-style spec: {@code type} (a dataset provider name) plus that
     * provider's parameters. A spec with {@code annotation: fp32_output} needs a model: use
     * {@link #openDataset(Map, Path, Model)}.
     */
    public Dataset openDataset(Map<String, Object> spec, Path baseDir) {
        return openDataset(spec, baseDir, null);
    }

    /**
     * Opens a dataset; with {@code annotation: fp32_output} each sample's annotation becomes
     * {@code model}'s first FP32 output for it (computed once, in batches, on first use).
     * With a model, every sample is first checked against the model's {@link org.pot4j.api.model.InputLimits}
     * (token ids, sequence length), so bad data fails here rather than in a pass.
     */
    public Dataset openDataset(Map<String, Object> spec, Path baseDir, Model model) {
        Map<String, Object> params = new LinkedHashMap<>(spec);
        Object type = params.remove("type");
        Object annotation = params.remove("annotation");
        List<String> annotationInputs = annotationInputs(params.remove("annotation_inputs"));
        if (!(type instanceof String t)) {
            throw ConfigErrors.invalid(null, "type", "of a dataset must name a dataset type " + datasetTypes()
                    + (type == null ? "" : ", got " + type));
        }
        Path base = baseDir == null ? Path.of("") : baseDir;
        Dataset data = openBound(datasetProvider(t), params, base, null);
        if (data.size() == 0) {
            throw new Pot4jException(ErrorCode.DATASET_EMPTY, "dataset '" + data.name() + "' (" + t + ") has no samples");
        }
        Map<String, Object> inputsSpec = new LinkedHashMap<>(params);
        inputsSpec.put("type", t);
        DatasetDescriptor described = new DatasetDescriptor(inputsSpec, base.toAbsolutePath().toString());
        descriptors.record(data, described);
        Dataset opened = openedView(data, annotation, annotationInputs, model);
        descriptors.record(opened, described); // a view shows the same inputs: a remote worker opens the base
        return opened;
    }

    /**
     * Binds a dataset spec's parameters (without {@code type}, {@code annotation}) to the provider's
     * record: what the config loader checks when it loads, before any model.
     *
     * @param path where the spec is, for messages (null: the keys alone)
     */
    public void checkDataset(String type, Map<String, Object> params, String path) {
        DatasetProvider<?> p = datasetProvider(type);
        ParamBinder.bind(params, p.parameters(), "dataset type '" + type + "'", path);
    }

    private DatasetProvider<?> datasetProvider(String t) {
        registry.requireUnambiguous(PluginKind.DATASET, t);
        DatasetProvider<?> p = datasetProviders.get(t);
        if (p == null) {
            throw ConfigErrors.invalid(null, "type", "'" + t + "' is not an installed dataset type"
                    + Suggestions.didYouMean(t, datasetProviders.keySet()) + "; installed: " + datasetTypes());
        }
        return p;
    }

    private static <P extends Record> Dataset openBound(DatasetProvider<P> p, Map<String, Object> params, Path base,
                                                        String path) {
        return p.open(ParamBinder.bind(params, p.parameters(), "dataset type '" + p.name() + "'", path), base);
    }

    private Dataset openedView(Dataset data, Object annotation, List<String> annotationInputs, Model model) {
        if (!annotationInputs.isEmpty()) {
            InputAnnotatedDataset.check(data, annotationInputs, "annotation_inputs (a metric's mask_input)");
        }
        if (model != null) {
            // token ids inside the embedding table, sequences within the position table: before any pass
            InputLimitCheck.check(data, model);
        }
        if (annotation == null) {
            return annotationInputs.isEmpty() ? data : new InputAnnotatedDataset(data, annotationInputs);
        }
        if (!"fp32_output".equals(annotation)) {
            throw ConfigErrors.invalid(null, "annotation", "must be 'fp32_output' (or left out), got '" + annotation + "'");
        }
        if (model == null) {
            throw ConfigErrors.invalid(null, "annotation", "'fp32_output' needs the model: open the dataset with a model");
        }
        Dataset annotated = fp32Annotated(data, model);
        return annotationInputs.isEmpty() ? annotated : new InputAnnotatedDataset(annotated, annotationInputs);
    }

    private static List<String> annotationInputs(Object raw) {
        if (raw == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (Object o : raw instanceof List<?> l ? l : List.of(raw)) {
            if (!(o instanceof String s) || s.isBlank()) {
                throw ConfigErrors.invalid(null, "annotation_inputs", "must list input names such as [attention_mask], got " + raw);
            }
            if (!out.contains(s)) {
                out.add(s);
            }
        }
        return out;
    }

    /** A view of {@code data} whose annotations are {@code model}'s first FP32 output per sample. */
    public Dataset fp32Annotated(Dataset data, Model model) {
        return new Fp32OutputDataset(data, model, evaluator.withProgress(progress), 0);
    }

    // ---------------------------------------------------------------- config

    /** Reads and validates a config file (JSON or YAML), checking names against the installed plugins. */
    public Pot4jConfig loadConfig(Path file) {
        return new ConfigLoader(registryCatalog()).load(file);
    }

    private ConfigLoader.Catalog registryCatalog() {
        Pot4j self = this;
        return new ConfigLoader.Catalog() {
            @Override
            public Set<String> backends() {
                return self.backendNames();
            }

            @Override
            public Optional<Set<String>> algorithmParameters(String name) {
                registry.requireUnambiguous(PluginKind.ALGORITHM, name);
                return algorithmProviders.containsKey(name) ? Optional.of(self.algorithm(name).parameterNames())
                        : Optional.empty();
            }

            @Override
            public Set<String> algorithms() {
                return self.algorithmNames();
            }

            @Override
            public Optional<Set<String>> metricParameters(String name) {
                registry.requireUnambiguous(PluginKind.METRIC, name);
                MetricProvider<?> p = metricProviders.get(name);
                return p == null ? Optional.empty() : Optional.of(p.parameterNames());
            }

            @Override
            public Set<String> metrics() {
                return self.metricNames();
            }

            @Override
            public Optional<Set<String>> datasetParameters(String type) {
                registry.requireUnambiguous(PluginKind.DATASET, type);
                DatasetProvider<?> p = datasetProviders.get(type);
                return p == null ? Optional.empty() : Optional.of(p.parameterNames());
            }

            @Override
            public Set<String> datasetTypes() {
                return self.datasetTypes();
            }

            @Override
            public void checkAlgorithmParameters(String name, Map<String, Object> params) {
                self.algorithm(name).checkParameters(params);
            }

            @Override
            public void checkMetricParameters(String name, Map<String, Object> params, String path) {
                self.metric(name, params, path);
            }

            @Override
            public void checkDataset(String type, Map<String, Object> params, String path) {
                self.checkDataset(type, params, path);
            }

            @Override
            public void checkExecutor(Map<String, Object> executor, String path) {
                EvaluationExecutors.check(registry, executor, path);
            }
        };
    }

    /** Closes started backends and plugin class loaders. */
    @Override
    public void close() {
        for (ModelBackend b : extraBackends.values()) {
            b.close();
        }
        extraBackends.clear();
        registry.close();
    }

    /** Builder of a {@link Pot4j}. */
    public static final class Builder {
        private List<Path> pluginDirs = List.of();
        private ClassLoader classLoader;
        private ProgressListener progress;
        private Map<String, Object> backendOptions = Map.of();
        private final List<Module> modules = new ArrayList<>();

        private Builder() {
        }

        /** Folders holding plugins ({@code <dir>/<name>/*.jar} or {@code <dir>/*.jar}); each must exist. */
        public Builder pluginDirs(List<Path> dirs) {
            this.pluginDirs = List.copyOf(dirs);
            return this;
        }

        /** The loader whose ServiceLoader entries count as the class path; default: the context class loader. */
        public Builder classLoader(ClassLoader loader) {
            this.classLoader = loader;
            return this;
        }

        /** Where long work reports progress; default: an {@link Slf4jProgressListener}. */
        public Builder progress(ProgressListener listener) {
            this.progress = listener;
            return this;
        }

        /** Options passed to every backend's {@code create} (e.g. {@code threads}). */
        public Builder backendOptions(Map<String, Object> options) {
            this.backendOptions = Map.copyOf(options);
            return this;
        }

        /** Extra Guice modules (e.g. adding map entries or services). */
        public Builder modules(Module... extra) {
            modules.addAll(List.of(extra));
            return this;
        }

        /**
         * Discovers plugins and builds the facade.
         *
         * @throws Pot4jException {@code DUPLICATE_PLUGIN} or {@code FILE_NOT_FOUND} (plugin folder)
         */
        public Pot4j build() {
            ClassLoader loader = classLoader;
            if (loader == null) {
                loader = Thread.currentThread().getContextClassLoader();
            }
            if (loader == null) {
                loader = Pot4j.class.getClassLoader();
            }
            ProgressListener listener = progress != null ? progress : new Slf4jProgressListener();
            PluginRegistry registry = new PluginDiscovery(loader, pluginDirs).discover(backendOptions);
            try {
                List<Module> all = new ArrayList<>();
                all.add(new Pot4jModule(registry, listener));
                all.addAll(modules);
                return Guice.createInjector(all).getInstance(Pot4j.class);
            } catch (RuntimeException e) {
                registry.close();
                throw e;
            }
        }
    }
}
