package org.pot4j.engine.algorithms.accuracyaware;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.pot4j.api.quant.QuantizationAlgorithm;
import org.pot4j.api.quant.QuantizationAlgorithmProvider;
import org.pot4j.api.quant.QuantizationResult;
import org.pot4j.engine.testing.TestAlgorithmContext;

/** AccuracyAware on top of the engine's real DefaultQuantization, found through ServiceLoader as the engine finds it. */
class WithDefaultQuantizationTest {
    private static QuantizationAlgorithm installed(String name) {
        for (QuantizationAlgorithmProvider p : ServiceLoader.load(QuantizationAlgorithmProvider.class)) {
            if (p.name().equals(name)) {
                return p.create();
            }
        }
        throw new AssertionError(name + " is not registered");
    }

    @Test
    void revertsNodesOfARealDefaultQuantizationPlan() {
        QuantizationAlgorithm dq = installed("DefaultQuantization");
        QuantizationAlgorithm aa = installed(AccuracyAwareQuantization.NAME);
        assertTrue(aa.parameterNames().containsAll(dq.parameterNames()), "all base parameters are valid for AccuracyAware");

        AaFixture f = new AaFixture();
        TestAlgorithmContext c = f.context(null);
        c.withAlgorithm("DefaultQuantization", () -> dq);
        c.param("maximal_drop", 0.0).param("preset", "performance").param("stat_subset_size", 200).param("max_iter_num", 3);
        QuantizationResult r = aa.run(f.model, c);

        @SuppressWarnings("unchecked")
        List<String> reverted = (List<String>) r.report().get("reverted_nodes");
        double initial = (double) r.report().get("initial_drop");
        double last = (double) r.report().get("final_drop");
        assertTrue(last <= initial, "the returned plan is never worse than the base plan: " + initial + " -> " + last);
        assertEquals(last <= 1e-9, r.status() == QuantizationResult.Status.TARGET_MET);
        for (String n : reverted) {
            assertFalse(r.plan().weights().containsKey(n));
            assertFalse(r.plan().biasShifts().containsKey(n));
        }
        assertTrue(r.plan().weights().size() + reverted.size() == f.model.quantizableNodes().size());
    }
}
