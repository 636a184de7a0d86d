package org.pot4j.engine.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.pot4j.api.ProgressListener;
import org.pot4j.api.model.BackendCapability;
import org.pot4j.api.model.QuantizableNode;
import org.pot4j.api.quant.ActivationQuantizer;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.engine.config.SpeedGuardSpec;
import org.pot4j.engine.speed.SpeedGuard;
import org.pot4j.engine.testing.ArrayDataset;
import org.pot4j.engine.testing.JavaMlpModel;

/** When the job runner's speed guard times a plan, and when it must not (no timing asserted). */
class SpeedGuardRunTest {
    private final JavaMlpModel model = JavaMlpModel.mlp(3, 8, 16, 4);
    private final ArrayDataset data = ArrayDataset.generated("input", new long[] {8}, 4, 1);

    private QuantizationPlan plan() {
        QuantizationPlan.Builder b = QuantizationPlan.builder();
        for (QuantizableNode n : model.quantizableNodes()) {
            n.activationInputs().forEach(t -> b.activation(t, new ActivationQuantizer(8, true, 0.05f, 0)));
        }
        return b.build();
    }

    @Test
    void aBackendThatCompilesAFloatSimulationIsNotTimed() {
        QuantizationPlan plan = plan();
        SpeedGuard.Outcome o = SpeedGuardRun.run(model, EnumSet.of(BackendCapability.ACTIVATION_QUANTIZATION), plan, data,
                SpeedGuardSpec.of(true), null, ProgressListener.NONE);
        assertSame(plan, o.plan());
        assertEquals("skipped", o.report().get("status"));
        assertTrue(String.valueOf(o.report().get("reason")).contains("INT8_KERNELS"), o.report().toString());
    }

    @Test
    void aBackendWithIntegerKernelsIsTimedAtEachBatchSizeAndTheReportNamesTheCpu() {
        SpeedGuard.Outcome o = SpeedGuardRun.run(model, EnumSet.of(BackendCapability.INT8_KERNELS), plan(), data,
                new SpeedGuardSpec(true, List.of(1, 2), 2, 3), null, ProgressListener.NONE);
        assertTrue(Set.of("int8_at_least_as_fast", "reverted", "still_slower", "slower_nothing_to_revert").contains(o.report().get("status")), o.report().toString());
        assertEquals(List.of(1, 2), o.report().get("batch_sizes"));
        assertTrue(String.valueOf(o.report().get("cpu")).startsWith("CPU: "));
        List<?> measured = (List<?>) o.report().get("measurements");
        assertTrue(!measured.isEmpty() && measured.size() <= 3, o.report().toString());
    }
}
