package org.pot4j.engine.run;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.pot4j.api.ErrorCode;

/**
 * The result of one model of a job, as shown in the summary table, {@code summary.json} and the
 * model's {@code report.json}: either {@link Quantized} (an INT8 model was saved) or
 * {@link Unfinished} (it failed or the run was interrupted; no model file).
 */
public sealed interface ModelOutcome permits ModelOutcome.Quantized, ModelOutcome.Unfinished {
    /** The model the outcome is about and what ran on it. */
    Subject subject();

    /** How it ended. */
    ModelStatus status();

    /** This model's {@code report.json}. */
    Path reportPath();

    /** Wall time of this model. */
    double wallSeconds();

    /** {@code model_name}. */
    default String modelName() {
        return subject().modelName();
    }

    /** True unless the model failed or was interrupted. */
    default boolean succeeded() {
        return this instanceof Quantized;
    }

    /** True when {@code --resume} reused an earlier finished result. */
    default boolean reused() {
        return false;
    }

    /**
     * Which model and what ran on it.
     *
     * @param modelName {@code model_name}
     * @param modelPath the FP32 model
     * @param backend   the backend that loaded it, or null when it was never loaded
     * @param algorithm the last algorithm run (the one whose plan was saved), or null when none started
     */
    record Subject(String modelName, Path modelPath, String backend, String algorithm) {
        /** Checks the name. */
        public Subject {
            Objects.requireNonNull(modelName, "modelName");
        }
    }

    /**
     * FP32 and INT8 metric averages on the validation set and the drop of each, in the order the
     * metrics were configured (a reused result: the order of its {@code report.json}), and which
     * metric is the headline (the first configured one: the drop shown in the summary line and
     * compared with an accuracy target).
     *
     * @param fp32           metric averages of the FP32 model
     * @param int8           metric averages of the INT8 model
     * @param drops          drop per metric key, positive = worse (direction from the metric)
     * @param headlineMetric the key of the headline drop, one of {@code drops}; null only without drops
     */
    record Accuracy(Map<String, Double> fp32, Map<String, Double> int8, Map<String, Double> drops,
                    String headlineMetric) {
        /** No metrics configured. */
        public static final Accuracy NONE = new Accuracy(Map.of(), Map.of(), Map.of(), null);

        /** Copies the maps, keeping their order, and checks that the headline is one of the drops. */
        public Accuracy {
            fp32 = ordered(fp32);
            int8 = ordered(int8);
            drops = ordered(drops);
            if (headlineMetric == null ? !drops.isEmpty() : !drops.containsKey(headlineMetric)) {
                throw new IllegalArgumentException("headline metric " + headlineMetric + " is not one of " + drops.keySet());
            }
        }

        /** The metrics in configured order: the first key of {@code drops} is the headline. */
        public Accuracy(Map<String, Double> fp32, Map<String, Double> int8, Map<String, Double> drops) {
            this(fp32, int8, drops, first(drops));
        }

        /** The headline drop ({@link #headlineMetric}'s), or null without metrics. */
        public Double drop() {
            return headlineMetric == null ? null : drops.get(headlineMetric);
        }

        private static String first(Map<String, Double> drops) {
            return drops.isEmpty() ? null : drops.keySet().iterator().next();
        }

        private static Map<String, Double> ordered(Map<String, Double> m) {
            return Collections.unmodifiableMap(new LinkedHashMap<>(m));
        }
    }

    /**
     * The sizes on disk of the FP32 model and of the saved INT8 model.
     *
     * @param fp32Bytes FP32 model size in bytes
     * @param int8Bytes INT8 model size in bytes
     */
    record Size(long fp32Bytes, long int8Bytes) {
        /** {@code int8Bytes / fp32Bytes}, or null when the FP32 size is unknown (0). */
        public Double ratio() {
            return fp32Bytes > 0 ? (double) int8Bytes / fp32Bytes : null;
        }
    }

    /**
     * Why a model did not finish.
     *
     * @param code    the error's code
     * @param message its one-line message
     * @param cause   the failure itself (for {@code --verbose} stack traces), or null; never serialized
     */
    record Failure(ErrorCode code, String message, Throwable cause) {
        /** Checks the code. */
        public Failure {
            Objects.requireNonNull(code, "code");
        }
    }

    /**
     * An INT8 model was saved ({@code COMPLETED}, {@code TARGET_MET} or {@code BEST_EFFORT}).
     *
     * @param subject     the model and what ran on it
     * @param status      how it ended
     * @param output      the saved INT8 model
     * @param accuracy    FP32 and INT8 metrics ({@link Accuracy#NONE} without metrics)
     * @param size        the two models' sizes
     * @param speedRatio  INT8 / FP32 throughput when benchmarked, else null
     * @param reportPath  this model's {@code report.json}
     * @param wallSeconds wall time of this model
     * @param reused      true when {@code --resume} reused an earlier finished result
     */
    record Quantized(Subject subject, ModelStatus status, Path output, Accuracy accuracy, Size size, Double speedRatio,
                     Path reportPath, double wallSeconds, boolean reused) implements ModelOutcome {
        /** Checks that the status is a finished one. */
        public Quantized {
            Objects.requireNonNull(subject, "subject");
            Objects.requireNonNull(output, "output");
            Objects.requireNonNull(accuracy, "accuracy");
            Objects.requireNonNull(size, "size");
            if (status == ModelStatus.FAILED || status == ModelStatus.INTERRUPTED) {
                throw new IllegalArgumentException("a quantized model cannot have status " + status);
            }
        }
    }

    /**
     * No INT8 model: the model failed ({@code FAILED}) or the run was interrupted before it finished
     * ({@code INTERRUPTED}).
     *
     * @param subject     the model and what ran on it before it stopped
     * @param status      {@code FAILED} or {@code INTERRUPTED}
     * @param failure     why
     * @param reportPath  this model's {@code report.json}
     * @param wallSeconds wall time of this model
     */
    record Unfinished(Subject subject, ModelStatus status, Failure failure, Path reportPath, double wallSeconds)
            implements ModelOutcome {
        /** Checks that the status is an unfinished one. */
        public Unfinished {
            Objects.requireNonNull(subject, "subject");
            Objects.requireNonNull(failure, "failure");
            if (status != ModelStatus.FAILED && status != ModelStatus.INTERRUPTED) {
                throw new IllegalArgumentException("an unfinished model cannot have status " + status);
            }
        }
    }
}
