package org.pot4j.api.quant;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.pot4j.api.ProgressListener;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.metric.Metric;
import org.pot4j.api.metric.ValidationFunction;

/** What an algorithm is given to run: its parameters, data, metrics and engine services. */
public interface AlgorithmContext {
    /** This algorithm's parameters (snake_case keys, already validated, defaults not filled in). */
    Map<String, Object> params();

    /** Calibration data for statistics. */
    Dataset calibration();

    /** Validation data with annotations, when accuracy is controlled. */
    Optional<Dataset> validation();

    /** Factories of the configured metrics; each call gives a fresh, reset instance. */
    List<Supplier<Metric>> metrics();

    /**
     * A user validation function (NNCF style) used instead of {@link #metrics()} when present;
     * {@code validationHigherBetter} tells its direction.
     */
    default Optional<ValidationFunction> validationFunction() {
        return Optional.empty();
    }

    /** Direction of {@link #validationFunction()}: true (default) when higher values are better. */
    default boolean validationHigherBetter() {
        return true;
    }

    /** Where progress goes. */
    ProgressListener progress();

    /** Another installed algorithm by name, to compose (AccuracyAware runs its {@code base_algorithm}). */
    QuantizationAlgorithm algorithm(String name);

    /** A context for a nested algorithm with other parameters and the same data and services. */
    AlgorithmContext withParams(Map<String, Object> params);

    /** Folder for checkpoints and reports, or empty when the caller keeps nothing on disk. */
    Optional<Path> workDir();

    /**
     * An engine service (statistics collector, evaluator...) by type, for algorithms that need
     * more than data.
     *
     * @throws IllegalArgumentException when the engine offers no such service
     */
    <T> T service(Class<T> type);
}
