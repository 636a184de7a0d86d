package org.pot4j.engine.config;

import java.util.List;
import java.util.Map;

/**
 * The {@code engine} section.
 *
 * @param calibrationDataset {@code calibration_dataset} (required)
 * @param validationDataset  {@code validation_dataset}, or null to validate on the calibration data
 * @param metrics            {@code metrics}: [{name, params}], may be empty
 * @param batchSize          {@code batch_size} for evaluation, or null for the engine default
 * @param threads            {@code threads} passed to the backend as a load option, or null
 * @param benchmark          {@code benchmark}: measure the INT8/FP32 speed ratio after quantizing (default false)
 * @param executor           {@code executor}: where evaluation inference runs ({@code {type: local|spark, ...}}), empty = local
 * @param statRequests       POT's {@code stat_requests_number}: parallel inference requests of statistics passes, or null (1)
 * @param evalRequests       POT's {@code eval_requests_number}: parallel inference requests of evaluation passes, or null
 *                           (the cores, at most 4)
 */
public record EngineSpec(DatasetSpec calibrationDataset, DatasetSpec validationDataset, List<MetricSpec> metrics,
                         Integer batchSize, Integer threads, boolean benchmark, Map<String, Object> executor,
                         Integer statRequests, Integer evalRequests) {
    /** Copies. */
    public EngineSpec {
        metrics = List.copyOf(metrics);
        executor = executor == null ? Map.of() : JsonFiles.freezeMap(executor);
    }

    /** A spec with the local executor and default request numbers. */
    public EngineSpec(DatasetSpec calibrationDataset, DatasetSpec validationDataset, List<MetricSpec> metrics,
                      Integer batchSize, Integer threads, boolean benchmark) {
        this(calibrationDataset, validationDataset, metrics, batchSize, threads, benchmark, Map.of(), null, null);
    }

    /** The same spec with {@code benchmark} set. */
    public EngineSpec withBenchmark(boolean on) {
        return new EngineSpec(calibrationDataset, validationDataset, metrics, batchSize, threads, on, executor, statRequests,
                evalRequests);
    }

    /** The validation dataset, defaulting to the calibration dataset. */
    public DatasetSpec validationOrCalibration() {
        return validationDataset != null ? validationDataset : calibrationDataset;
    }
}
