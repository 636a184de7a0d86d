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
import org.pot4j.api.model.ModelBackend;
import org.pot4j.api.quant.AlgorithmContext;
import org.pot4j.api.quant.QuantizationAlgorithm;

/**
 * A minimal {@link AlgorithmContext} for algorithm tests: parameters, calibration data, a progress
 * listener, and services by type (the model's {@link ModelBackend} for its capabilities).
 */
public final class TestAlgorithmContext implements AlgorithmContext {
    private final Map<String, Object> params;
    private final Dataset calibration;
    private final ProgressListener progress;
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
        Map<Class<?>, Object> services = new HashMap<>();
        services.put(ModelBackend.class, backend);
        return new TestAlgorithmContext(params, calibration, progress, services, new HashMap<>());
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
        return Optional.empty();
    }

    @Override
    public List<Supplier<Metric>> metrics() {
        return List.of();
    }

    @Override
    public ProgressListener progress() {
        return progress;
    }

    @Override
    public QuantizationAlgorithm algorithm(String name) {
        Supplier<QuantizationAlgorithm> f = algorithms.get(name);
        if (f == null) {
            throw new Pot4jException(ErrorCode.UNKNOWN_ALGORITHM, "no algorithm '" + name + "' in this test context");
        }
        return f.get();
    }

    @Override
    public AlgorithmContext withParams(Map<String, Object> newParams) {
        return new TestAlgorithmContext(newParams, calibration, progress, services, algorithms);
    }

    @Override
    public Optional<Path> workDir() {
        return Optional.empty();
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
