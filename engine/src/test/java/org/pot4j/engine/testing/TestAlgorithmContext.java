package org.pot4j.engine.testing;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.ProgressListener;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.metric.Metric;
import org.pot4j.api.metric.ValidationFunction;
import org.pot4j.api.model.ModelBackend;
import org.pot4j.api.quant.AlgorithmContext;
import org.pot4j.api.quant.QuantizationAlgorithm;

/**
 * The {@link AlgorithmContext} of algorithm tests: parameters, calibration and validation data,
 * metrics or a validation function, a progress listener, a work folder, algorithms by name and
 * services by type. The {@code with*} and {@link #param} setters change this context and return it
 * (test set-up); {@link #withParams}, the interface's, returns a copy with other parameters.
 */
public final class TestAlgorithmContext implements AlgorithmContext {
    private final Map<String, Object> params;
    private final Dataset calibration;
    private Dataset validation;
    private List<Supplier<Metric>> metrics = List.of();
    private ValidationFunction function;
    private boolean functionHigherBetter = true;
    private ProgressListener progress;
    private Path workDir;
    private final Map<Class<?>, Object> services;
    private final Map<String, Supplier<QuantizationAlgorithm>> algorithms;

    private TestAlgorithmContext(Map<String, Object> params, Dataset calibration, ProgressListener progress,
                                 Map<Class<?>, Object> services, Map<String, Supplier<QuantizationAlgorithm>> algorithms) {
        this.params = new LinkedHashMap<>(params);
        this.calibration = calibration;
        this.progress = progress;
        this.services = services;
        this.algorithms = algorithms;
    }

    /** A context with the given parameters and data on a backend with every capability. */
    public static TestAlgorithmContext of(Map<String, Object> params, Dataset calibration) {
        return of(params, calibration, new JavaMlpBackend(), ProgressListener.NONE);
    }

    /** A context with the given parameters, data, backend and progress listener. */
    public static TestAlgorithmContext of(Map<String, Object> params, Dataset calibration, ModelBackend backend,
                                          ProgressListener progress) {
        return new TestAlgorithmContext(params, calibration, progress, new HashMap<>(), new HashMap<>())
                .withService(ModelBackend.class, backend);
    }

    /**
     * A context without services, as a library call has: algorithms then assume every backend
     * feature and make their own evaluator and statistics collector.
     */
    public static TestAlgorithmContext bare(Dataset calibration) {
        return new TestAlgorithmContext(Map.of(), calibration, ProgressListener.NONE, new HashMap<>(), new HashMap<>());
    }

    /** Sets one parameter. */
    public TestAlgorithmContext param(String key, Object value) {
        params.put(key, value);
        return this;
    }

    /** Sets the validation set (null: none). */
    public TestAlgorithmContext withValidation(Dataset dataset) {
        validation = dataset;
        return this;
    }

    /** Sets the metrics. */
    public TestAlgorithmContext withMetrics(List<Supplier<Metric>> list) {
        metrics = List.copyOf(list);
        return this;
    }

    /** Sets the validation function (used instead of metrics) and whether its higher values are better. */
    public TestAlgorithmContext withValidationFunction(ValidationFunction f, boolean higherBetter) {
        function = f;
        functionHigherBetter = higherBetter;
        return this;
    }

    /** Sets the progress listener. */
    public TestAlgorithmContext withProgress(ProgressListener listener) {
        progress = listener;
        return this;
    }

    /** Sets the work folder (null: none). */
    public TestAlgorithmContext withWorkDir(Path dir) {
        workDir = dir;
        return this;
    }

    /** Registers a service instance. */
    public <T> TestAlgorithmContext withService(Class<T> type, T service) {
        services.put(type, service);
        return this;
    }

    /** Registers an algorithm that {@link #algorithm} returns. */
    public TestAlgorithmContext withAlgorithm(String name, Supplier<QuantizationAlgorithm> factory) {
        algorithms.put(name, factory);
        return this;
    }

    @Override
    public Map<String, Object> params() {
        return params;
    }

    @Override
    public Dataset calibration() {
        return calibration;
    }

    @Override
    public Optional<Dataset> validation() {
        return Optional.ofNullable(validation);
    }

    @Override
    public List<Supplier<Metric>> metrics() {
        return metrics;
    }

    @Override
    public Optional<ValidationFunction> validationFunction() {
        return Optional.ofNullable(function);
    }

    @Override
    public boolean validationHigherBetter() {
        return functionHigherBetter;
    }

    @Override
    public ProgressListener progress() {
        return progress;
    }

    @Override
    public QuantizationAlgorithm algorithm(String name) {
        Supplier<QuantizationAlgorithm> f = algorithms.get(name);
        if (f == null) {
            throw new Pot4jException(ErrorCode.UNKNOWN_ALGORITHM, "no algorithm '" + name + "'; installed: "
                    + new java.util.TreeSet<>(algorithms.keySet()));
        }
        return f.get();
    }

    @Override
    public AlgorithmContext withParams(Map<String, Object> newParams) {
        TestAlgorithmContext c = new TestAlgorithmContext(newParams, calibration, progress, services, algorithms);
        c.validation = validation;
        c.metrics = metrics;
        c.function = function;
        c.functionHigherBetter = functionHigherBetter;
        c.workDir = workDir;
        return c;
    }

    @Override
    public Optional<Path> workDir() {
        return Optional.ofNullable(workDir);
    }

    @Override
    public <T> T service(Class<T> type) {
        Object s = services.get(type);
        if (s == null) {
            throw new IllegalArgumentException("no service " + type.getName());
        }
        return type.cast(s);
    }
}
