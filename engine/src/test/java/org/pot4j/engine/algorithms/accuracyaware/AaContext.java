package org.pot4j.engine.algorithms.accuracyaware;

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
import org.pot4j.api.quant.AlgorithmContext;
import org.pot4j.api.quant.QuantizationAlgorithm;

/** An {@link AlgorithmContext} with validation data, metrics or a validation function, and a work folder. */
final class AaContext implements AlgorithmContext {
    Map<String, Object> params = new LinkedHashMap<>();
    Dataset calibration;
    Dataset validation;
    List<Supplier<Metric>> metrics = List.of();
    ValidationFunction function;
    boolean functionHigherBetter = true;
    ProgressListener progress = ProgressListener.NONE;
    Map<String, Supplier<QuantizationAlgorithm>> algorithms = new HashMap<>();
    Path workDir;
    /** The engine's evaluator as a service (shared caches), or null: the algorithm makes its own. */
    org.pot4j.engine.evaluation.Evaluator evaluator;

    AaContext copy() {
        AaContext c = new AaContext();
        c.params = new LinkedHashMap<>(params);
        c.calibration = calibration;
        c.validation = validation;
        c.metrics = metrics;
        c.function = function;
        c.functionHigherBetter = functionHigherBetter;
        c.progress = progress;
        c.algorithms = algorithms;
        c.workDir = workDir;
        c.evaluator = evaluator;
        return c;
    }

    AaContext param(String key, Object value) {
        params.put(key, value);
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
        Supplier<QuantizationAlgorithm> s = algorithms.get(name);
        if (s == null) {
            throw new Pot4jException(ErrorCode.UNKNOWN_ALGORITHM, "no algorithm '" + name + "'; installed: "
                    + new java.util.TreeSet<>(algorithms.keySet()));
        }
        return s.get();
    }

    @Override
    public AlgorithmContext withParams(Map<String, Object> newParams) {
        AaContext c = copy();
        c.params = new LinkedHashMap<>(newParams);
        return c;
    }

    @Override
    public Optional<Path> workDir() {
        return Optional.ofNullable(workDir);
    }

    @Override
    public <T> T service(Class<T> type) {
        if (type == org.pot4j.engine.evaluation.Evaluator.class && evaluator != null) {
            return type.cast(evaluator);
        }
        throw new IllegalArgumentException("no service " + type.getName());
    }
}
