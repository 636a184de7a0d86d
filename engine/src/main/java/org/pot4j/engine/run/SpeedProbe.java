package org.pot4j.engine.run;

import java.nio.file.Path;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.model.Model;
import org.pot4j.api.quant.QuantizationPlan;

/**
 * Measures how much faster the INT8 model runs than the FP32 one, for configs with
 * {@code engine.benchmark: true}. The benchmark module supplies it through {@link JobOptions};
 * the job runner only calls it and records the result.
 */
@FunctionalInterface
public interface SpeedProbe {
    /**
     * @param fp32      the loaded FP32 model
     * @param plan      the plan that was saved
     * @param int8Model the saved INT8 model file or folder
     * @param data      validation data to feed
     * @return INT8 throughput / FP32 throughput, or null when it cannot be measured
     */
    Double speedRatio(Model fp32, QuantizationPlan plan, Path int8Model, Dataset data);
}
