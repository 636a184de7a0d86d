package org.pot4j.engine.run;

import java.nio.file.Path;
import java.util.Map;
import org.pot4j.api.ErrorCode;

/**
 * The result of one model of a job, as shown in the summary table and {@code summary.json}.
 *
 * @param modelName     {@code model_name}
 * @param modelPath     the FP32 model
 * @param backend       backend that loaded it (null when loading failed)
 * @param algorithm     the last algorithm run (the one whose plan was saved)
 * @param fp32Metrics   metric averages of the FP32 model on the validation set
 * @param int8Metrics   metric averages of the INT8 model
 * @param drop          drop of the first metric (positive = worse; direction from the metric), or null
 * @param drops         drop per metric key
 * @param fp32Size      FP32 model size in bytes, or null
 * @param int8Size      INT8 model size in bytes, or null
 * @param sizeRatio     int8Size / fp32Size, or null
 * @param speedRatio    INT8 / FP32 throughput when benchmarked, else null
 * @param status        how it ended
 * @param outputPath    the saved INT8 model, or null
 * @param reportPath    this model's {@code report.json}
 * @param wallSeconds   wall time of this model
 * @param errorCode     the failure's code when {@code status == FAILED}, else null
 * @param error         the failure's one-line message, else null
 * @param reused        true when {@code --resume} reused an earlier finished result
 * @param cause         the failure itself (for {@code --verbose} stack traces), else null; not serialized
 */
public record ModelOutcome(String modelName, Path modelPath, String backend, String algorithm,
                           Map<String, Double> fp32Metrics, Map<String, Double> int8Metrics, Double drop,
                           Map<String, Double> drops, Long fp32Size, Long int8Size, Double sizeRatio, Double speedRatio,
                           ModelStatus status, Path outputPath, Path reportPath, double wallSeconds,
                           ErrorCode errorCode, String error, boolean reused, Throwable cause) {
    /** Copies the maps. */
    public ModelOutcome {
        fp32Metrics = fp32Metrics == null ? Map.of() : Map.copyOf(fp32Metrics);
        int8Metrics = int8Metrics == null ? Map.of() : Map.copyOf(int8Metrics);
        drops = drops == null ? Map.of() : Map.copyOf(drops);
    }

    /** An outcome without a failure cause. */
    public ModelOutcome(String modelName, Path modelPath, String backend, String algorithm,
                        Map<String, Double> fp32Metrics, Map<String, Double> int8Metrics, Double drop,
                        Map<String, Double> drops, Long fp32Size, Long int8Size, Double sizeRatio, Double speedRatio,
                        ModelStatus status, Path outputPath, Path reportPath, double wallSeconds,
                        ErrorCode errorCode, String error, boolean reused) {
        this(modelName, modelPath, backend, algorithm, fp32Metrics, int8Metrics, drop, drops, fp32Size, int8Size, sizeRatio,
                speedRatio, status, outputPath, reportPath, wallSeconds, errorCode, error, reused, null);
    }

    /** A model that ended without an INT8 model ({@code FAILED} or {@code INTERRUPTED}): no metrics, sizes or output. */
    public static ModelOutcome unfinished(String modelName, Path modelPath, String backend, String algorithm, ModelStatus status,
                                          Path reportPath, double wallSeconds, ErrorCode errorCode, String error, Throwable cause) {
        return new ModelOutcome(modelName, modelPath, backend, algorithm, Map.of(), Map.of(), null, Map.of(), null, null, null,
                null, status, null, reportPath, wallSeconds, errorCode, error, false, cause);
    }

    /** True unless the model failed. */
    public boolean succeeded() {
        return status != ModelStatus.FAILED && status != ModelStatus.INTERRUPTED;
    }

    /** A copy with a speed ratio (for a benchmark run after the job). */
    public ModelOutcome withSpeedRatio(Double ratio) {
        return new ModelOutcome(modelName, modelPath, backend, algorithm, fp32Metrics, int8Metrics, drop, drops, fp32Size,
                int8Size, sizeRatio, ratio, status, outputPath, reportPath, wallSeconds, errorCode, error, reused, cause);
    }
}
