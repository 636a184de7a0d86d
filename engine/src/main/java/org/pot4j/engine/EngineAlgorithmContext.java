package org.pot4j.engine;

import com.google.inject.ConfigurationException;
import com.google.inject.Injector;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.pot4j.api.ProgressListener;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.metric.Metric;
import org.pot4j.api.metric.ValidationFunction;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.ModelBackend;
import org.pot4j.api.quant.AlgorithmContext;
import org.pot4j.api.quant.QuantizationAlgorithm;
import org.pot4j.engine.evaluation.Evaluator;
import org.pot4j.engine.plugin.PluginRegistry;
import org.pot4j.engine.statistics.StatisticsCollector;

/**
 * The engine's {@link AlgorithmContext}. Services: the {@link Pot4j} facade, the
 * {@link PluginRegistry}, the {@link ProgressListener}, the {@link PreviousResult} of a pipeline,
 * the {@link ModelBackend} that loaded the model (for its capabilities), the Guice
 * {@link Injector}, and any other class Guice can build (engine services with a public
 * no-argument or {@code @Inject} constructor, e.g. a statistics collector).
 */
final class EngineAlgorithmContext implements AlgorithmContext {
    private final Pot4j pot4j;
    private final Injector injector;
    private final Model model;
    private final AlgorithmRun run;
    private final Map<String, Object> params;
    private final ProgressListener progress;

    EngineAlgorithmContext(Pot4j pot4j, Injector injector, Model model, AlgorithmRun run, Map<String, Object> params,
                           ProgressListener progress) {
        this.pot4j = pot4j;
        this.injector = injector;
        this.model = model;
        this.run = run;
        this.params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
        this.progress = progress;
    }

    @Override
    public Map<String, Object> params() {
        return params;
    }

    @Override
    public Dataset calibration() {
        return run.calibration();
    }

    @Override
    public Optional<Dataset> validation() {
        return Optional.ofNullable(run.validation());
    }

    @Override
    public List<Supplier<Metric>> metrics() {
        return run.metrics();
    }

    @Override
    public Optional<ValidationFunction> validationFunction() {
        return Optional.ofNullable(run.validationFunction());
    }

    @Override
    public boolean validationHigherBetter() {
        return run.validationHigherBetter();
    }

    @Override
    public ProgressListener progress() {
        return progress;
    }

    @Override
    public QuantizationAlgorithm algorithm(String name) {
        return pot4j.algorithm(name);
    }

    @Override
    public AlgorithmContext withParams(Map<String, Object> newParams) {
        return new EngineAlgorithmContext(pot4j, injector, model, run, newParams == null ? Map.of() : newParams, progress);
    }

    @Override
    public Optional<Path> workDir() {
        return Optional.ofNullable(run.workDir());
    }

    @Override
    public <T> T service(Class<T> type) {
        if (type.isInstance(pot4j)) {
            return type.cast(pot4j);
        }
        if (type == PluginRegistry.class) {
            return type.cast(pot4j.registry());
        }
        if (type == ProgressListener.class) {
            return type.cast(progress);
        }
        if (type == PreviousResult.class) {
            return type.cast(run.previous());
        }
        if (type == Injector.class) {
            return type.cast(injector);
        }
        if (type == Evaluator.class) {
            // the engine's one evaluator (shared caches and executor) with this run's progress and requests
            Evaluator shared = injector.getInstance(Evaluator.class);
            int workers = run.requests().evaluation();
            return type.cast(workers > 0 ? shared.withProgress(progress, workers) : shared.withProgress(progress));
        }
        if (type == StatisticsCollector.class) {
            return type.cast(new StatisticsCollector(run.requests().statistics()));
        }
        if (type == InferenceRequests.class) {
            return type.cast(run.requests());
        }
        if (type == ModelBackend.class) {
            return type.cast(pot4j.backend(model.backendName()));
        }
        try {
            return injector.getInstance(type);
        } catch (ConfigurationException e) {
            throw new IllegalArgumentException("the engine offers no service of type " + type.getName()
                    + " (Guice cannot build it: " + e.getErrorMessages().iterator().next().getMessage() + ")", e);
        }
    }
}
