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
     * @param batch   batch size
     * @param fp32Ms  FP32 latency per batch, milliseconds
     * @param int8Ms  latency of the plan per batch, milliseconds
     * @param speedup FP32 / INT8 time, above 1 when the plan runs faster: the median of the
     *                per-round ratios (the two runs of a round see nearly the same machine load)
     */
    record Timing(int batch, double fp32Ms, double int8Ms, double speedup) {
        /** Speed-up as the ratio of the two medians. */
        public Timing(int batch, double fp32Ms, double int8Ms) {
            this(batch, fp32Ms, int8Ms, fp32Ms / int8Ms);
        }
    }
}
