package org.pot4j.engine.config;

import java.util.List;

/**
 * The {@code engine} section.
 *
 * @param calibrationDataset {@code calibration_dataset} (required)
 * @param validationDataset  {@code validation_dataset}, or null to validate on the calibration data
 * @param metrics            {@code metrics}: [{name, params}], may be empty
 * @param batchSize          {@code batch_size} for evaluation, or null for the engine default
 * @param threads            {@code threads} passed to the backend as a load option, or null
 * @param benchmark          {@code benchmark}: measure the INT8/FP32 speed ratio after quantizing (default false)
 * @param speedGuard         {@code speed_guard}, or null when not set (the CLI turns it on, the Java API off)
 */
public record EngineSpec(DatasetSpec calibrationDataset, DatasetSpec validationDataset, List<MetricSpec> metrics,
                         Integer batchSize, Integer threads, boolean benchmark, SpeedGuardSpec speedGuard) {
    /** Copies. */
    public EngineSpec {
        metrics = List.copyOf(metrics);
    }

    /** Without a {@code speed_guard} setting. */
    public EngineSpec(DatasetSpec calibrationDataset, DatasetSpec validationDataset, List<MetricSpec> metrics,
                      Integer batchSize, Integer threads, boolean benchmark) {
        this(calibrationDataset, validationDataset, metrics, batchSize, threads, benchmark, null);
    }

    /** The validation dataset, defaulting to the calibration dataset. */
    public DatasetSpec validationOrCalibration() {
        return validationDataset != null ? validationDataset : calibrationDataset;
    }
}
