package org.pot4j.engine.run;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pot4j.api.ProgressListener;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.data.Sample;
import org.pot4j.api.model.BackendCapability;
import org.pot4j.api.model.Model;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.engine.benchmark.CpuInfo;
import org.pot4j.engine.config.SpeedGuardSpec;
import org.pot4j.engine.speed.InterleavedPlanTimer;
import org.pot4j.engine.speed.SpeedGuard;

/** Runs {@code engine.speed_guard} for one model of a config: real timing on calibration samples. */
final class SpeedGuardRun {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SpeedGuardRun.class);

    private SpeedGuardRun() {
    }

    /**
     * Runs the guard when the backend's compiled plans are what it saves ({@code INT8_KERNELS}); a
     * backend that compiles a float simulation (TorchScript's fake-quant path) would make every INT8
     * plan look slower than FP32, so its plan is kept and the report says why.
     */
    static SpeedGuard.Outcome run(Model model, java.util.Set<BackendCapability> capabilities, QuantizationPlan plan,
                                  Dataset calibration, SpeedGuardSpec spec, Integer evaluationBatch, ProgressListener progress) {
        if (!capabilities.contains(BackendCapability.INT8_KERNELS)) {
            return new SpeedGuard.Outcome(plan, List.of(), Map.of("status", "skipped",
                    "reason", "backend '" + model.backendName() + "' compiles plans as a float simulation (no INT8_KERNELS "
                            + "capability), so timing them would not time the saved INT8 model"));
        }
        List<Integer> batches = feasible(model, spec.batchSizesOr(evaluationBatch));
        int largest = batches.stream().mapToInt(Integer::intValue).max().orElse(1);
        List<Sample> samples = new ArrayList<>();
        for (int i = 0; i < Math.min(largest, calibration.size()); i++) {
            samples.add(calibration.get(i));
        }
        if (samples.isEmpty()) {
            return new SpeedGuard.Outcome(plan, List.of(), Map.of("status", "skipped_no_samples"));
        }
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("cpu", CpuInfo.detect().describe());
        report.put("batch_sizes", batches);
        report.put("rounds", spec.rounds());
        try (InterleavedPlanTimer timer = new InterleavedPlanTimer(model, samples, batches, 2, spec.rounds())) {
            SpeedGuard.Outcome o = new SpeedGuard(model.quantizableNodes(), timer, spec.maxMeasurements(), progress).run(plan);
            report.putAll(o.report());
            return new SpeedGuard.Outcome(o.plan(), o.keptFp32(), report);
        } catch (RuntimeException e) {
            // timing is an optimisation: the quantized model is still saved, with the reason recorded
            LOG.warn("speed_guard could not time {}: {}; the plan is kept as the algorithms made it", model.path(), e.toString());
            report.put("status", "failed");
            report.put("error", String.valueOf(e.getMessage()));
            return new SpeedGuard.Outcome(plan, List.of(), report);
        }
    }

    /** A model with a fixed batch dimension is timed at that batch size only. */
    static List<Integer> feasible(Model model, List<Integer> wanted) {
        for (org.pot4j.api.model.TensorInfo in : model.inputs()) {
            long[] shape = in.shape();
            if (shape.length > 0 && shape[0] > 0) {
                return List.of((int) shape[0]);
            }
        }
        return wanted;
    }
}
