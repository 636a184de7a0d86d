package org.pot4j.engine.speed;

import java.util.List;
import org.pot4j.api.quant.QuantizationPlan;

/**
 * Times a plan against FP32 on the same model: the seam between {@link SpeedGuard}'s decisions and
 * the clock. {@link InterleavedPlanTimer} measures through the backend SPI; tests give measured
 * (or made-up) times instead, so the decision logic is tested without asserting on timings.
 */
@FunctionalInterface
public interface PlanTimer {
    /** FP32 and INT8 latency of {@code plan} at each batch size, measured side by side. */
    List<Timing> time(QuantizationPlan plan);

    /**
     * One batch size's latencies (medians of interleaved rounds).
     *
     * @param batch  batch size
     * @param fp32Ms FP32 latency per batch, milliseconds
     * @param int8Ms latency of the plan per batch, milliseconds
     */
    record Timing(int batch, double fp32Ms, double int8Ms) {
        /** FP32 latency / INT8 latency: above 1 when the plan runs faster. */
        public double speedup() {
            return fp32Ms / int8Ms;
        }
    }
}
