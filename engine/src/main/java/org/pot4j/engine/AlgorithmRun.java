package org.pot4j.engine;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.pot4j.api.ProgressListener;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.metric.Metric;
import org.pot4j.api.metric.ValidationFunction;

/**
 * Everything one run of an algorithm needs besides the model, for {@link Pot4j#run(org.pot4j.api.model.Model,
 * AlgorithmRun)}. Build with {@link #builder(String)}.
 */
public final class AlgorithmRun {
    private final String algorithm;
    private final Map<String, Object> params;
    private final Dataset calibration;
    private final Dataset validation;
    private final List<Supplier<Metric>> metrics;
    private final ValidationFunction validationFunction;
    private final boolean validationHigherBetter;
    private final Path workDir;
    private final ProgressListener progress;
    private final PreviousResult previous;
    private final InferenceRequests requests;

    private AlgorithmRun(Builder b) {
        this.algorithm = Objects.requireNonNull(b.algorithm, "algorithm");
        this.params = Collections.unmodifiableMap(new LinkedHashMap<>(b.params));
        this.calibration = b.calibration;
        this.validation = b.validation;
        this.metrics = List.copyOf(b.metrics);
        this.validationFunction = b.validationFunction;
        this.validationHigherBetter = b.validationHigherBetter;
        this.workDir = b.workDir;
        this.progress = b.progress;
        this.previous = b.previous == null ? PreviousResult.NONE : b.previous;
        this.requests = b.requests == null ? InferenceRequests.DEFAULT : b.requests;
    }

    /** Parallel inference requests for statistics and evaluation (POT's {@code stat/eval_requests_number}). */
    public InferenceRequests requests() {
        return requests;
    }

    /** A builder for running the algorithm of that name. */
    public static Builder builder(String algorithm) {
        return new Builder(algorithm);
    }

    /** Algorithm name. */
    public String algorithm() {
        return algorithm;
    }

    /** Algorithm parameters (snake_case). */
    public Map<String, Object> params() {
        return params;
    }

    /** Calibration data (required). */
    public Dataset calibration() {
        return calibration;
    }

    /** Validation data, or null. */
    public Dataset validation() {
        return validation;
    }

    /** Metric factories. */
    public List<Supplier<Metric>> metrics() {
        return metrics;
    }

    /** NNCF-style validation function, or null. */
    public ValidationFunction validationFunction() {
        return validationFunction;
    }

    /** Direction of the validation function. */
    public boolean validationHigherBetter() {
        return validationHigherBetter;
    }

    /** Folder for checkpoints and reports, or null. */
    public Path workDir() {
        return workDir;
    }

    /** Progress listener for this run, or null for the engine's own. */
    public ProgressListener progress() {
        return progress;
    }

    /** The previous algorithm's result in a pipeline. */
    public PreviousResult previous() {
        return previous;
    }

    /** Builder of an {@link AlgorithmRun}. */
    public static final class Builder {
        private final String algorithm;
        private Map<String, Object> params = Map.of();
        private Dataset calibration;
        private Dataset validation;
        private List<Supplier<Metric>> metrics = List.of();
        private ValidationFunction validationFunction;
        private boolean validationHigherBetter = true;
        private Path workDir;
        private ProgressListener progress;
        private PreviousResult previous;
        private InferenceRequests requests;

        private Builder(String algorithm) {
            this.algorithm = algorithm;
        }

        /** Algorithm parameters; null means none. */
        public Builder params(Map<String, Object> params) {
            this.params = params == null ? Map.of() : params;
            return this;
        }

        /** Calibration data. */
        public Builder calibration(Dataset calibration) {
            this.calibration = calibration;
            return this;
        }

        /** Validation data, may be null. */
        public Builder validation(Dataset validation) {
            this.validation = validation;
            return this;
        }

        /** Metric factories; null means none. */
        public Builder metrics(List<Supplier<Metric>> metrics) {
            this.metrics = metrics == null ? List.of() : metrics;
            return this;
        }

        /** NNCF-style validation function used instead of metrics, and its direction. */
        public Builder validationFunction(ValidationFunction fn, boolean higherBetter) {
            this.validationFunction = fn;
            this.validationHigherBetter = higherBetter;
            return this;
        }

        /** Folder for checkpoints and reports, may be null. */
        public Builder workDir(Path workDir) {
            this.workDir = workDir;
            return this;
        }

        /** Progress listener for this run; null uses the engine's. */
        public Builder progress(ProgressListener progress) {
            this.progress = progress;
            return this;
        }

        /** Result of the algorithm that ran before this one. */
        public Builder previous(PreviousResult previous) {
            this.previous = previous;
            return this;
        }

        /** Parallel inference requests; null for the defaults. */
        public Builder requests(InferenceRequests requests) {
            this.requests = requests;
            return this;
        }

        /** The run description. */
        public AlgorithmRun build() {
            return new AlgorithmRun(this);
        }
    }
}
