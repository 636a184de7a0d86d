package org.pot4j.engine.algorithms.accuracyaware;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.metric.ValidationFunction;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.quant.QuantizationResult;
import org.pot4j.engine.testing.TestAlgorithmContext;

/**
 * Drives the search with a validation function whose value is a script of the reverted nodes, so
 * the re-ranking, use_prev_if_drop_increase and best-plan rules are checked exactly.
 *
 * <p>Script: FP32 = 0.90, fully quantized = 0.80. On the full validation set reverting fc3 adds
 * 0.06, fc1 adds 0.04 and fc4 <em>subtracts</em> 0.02; on the ranking subset fc4 looks best
 * (+0.06), so the search reverts it first and sees the drop increase. The first three tests pin
 * POT's procedure ({@code ranking: exact}); the last one the fast mode's handling of the same script.
 */
class ScriptedSearchTest {
    private static final Map<String, Double> FULL = Map.of("fc3", 0.06, "fc1", 0.04, "fc4", -0.02);
    private static final Map<String, Double> SUBSET = Map.of("fc4", 0.06, "fc3", 0.05, "fc1", 0.03);

    private static ValidationFunction scripted(int fullSize) {
        return new ValidationFunction() {
            @Override
            public double validate(CompiledModel model, Dataset validation) {
                Set<String> reverted = ((PlanAwareModel.PlanCompiled) model).plan().fp32Nodes();
                if (((PlanAwareModel.PlanCompiled) model).plan().isEmpty() && reverted.isEmpty()) {
                    return 0.90;
                }
                Map<String, Double> script = validation.size() == fullSize ? FULL : SUBSET;
                double v = 0.80;
                for (String n : reverted) {
                    v += script.getOrDefault(n, 0.0);
                }
                return v;
            }

            @Override
            public double[] validatePerSample(CompiledModel model, Dataset validation) {
                double[] v = new double[validation.size()];
                java.util.Arrays.fill(v, validate(model, validation));
                return v;
            }
        };
    }

    private static QuantizationResult run(BiFunction<AaFixture, TestAlgorithmContext, TestAlgorithmContext> setup) {
        AaFixture f = new AaFixture();
        TestAlgorithmContext c = f.context(null);
        c.withValidationFunction(scripted(f.validation.size()), true);
        c.param("maximal_drop", 0.005).param("ranking", "exact");
        return new AccuracyAwareQuantization(Set.of("preset")).run(new PlanAwareModel(f.model), setup.apply(f, c));
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> iterations(QuantizationResult r) {
        return (List<Map<String, Object>>) r.report().get("iterations");
    }

    @Test
    void usePrevIfDropIncreaseRollsBackAndNeverRetriesThatNode() {
        QuantizationResult r = run((f, c) -> c.param("use_prev_if_drop_increase", true));
        assertEquals(QuantizationResult.Status.TARGET_MET, r.status());
        assertEquals(List.of("fc3", "fc1"), r.report().get("reverted_nodes"));
        assertEquals(List.of("fc4"), r.report().get("rolled_back_nodes"));
        List<Map<String, Object>> its = iterations(r);
        assertEquals("fc4", its.get(0).get("node"));
        assertEquals("rolled_back", its.get(0).get("action"));
        assertEquals(Boolean.TRUE, its.get(1).get("reranked"), "a drop increase triggers a re-ranking");
        assertEquals("fc3", its.get(1).get("node"));
        assertEquals(3, its.size());
        assertEquals(Set.of("fc3", "fc1"), r.plan().fp32Nodes());
    }

    @Test
    void withoutRollbackTheHarmfulRevertStaysAndTheBestPlanHasFewestNodes() {
        QuantizationResult r = run((f, c) -> c);
        // fc4 stays reverted (POT default); fc3 and fc1 bring 0.88 (drop 0.02 > 0.005); the other nodes
        // change nothing, so the search ends when no node is left and returns the first 0.88 plan
        assertEquals(QuantizationResult.Status.BEST_EFFORT, r.status());
        assertEquals(List.of("fc4", "fc3", "fc1"), r.report().get("reverted_nodes"));
        assertEquals(0.02, (double) r.report().get("final_drop"), 1e-9);
        assertTrue(((String) r.report().get("stop_reason")).contains("no quantized node left"), (String) r.report().get("stop_reason"));
        assertEquals(5, iterations(r).size());
        assertEquals(Set.of("fc4", "fc3", "fc1"), r.plan().fp32Nodes());
        assertEquals("validation", ((Map<?, ?>) ((List<?>) r.report().get("metrics")).get(0)).get("name"));
    }

    @Test
    void fastModeRollsBackTheHarmfulRevertWithoutReRankingAnUnchangedPlan() {
        QuantizationResult r = run((f, c) -> c.param("ranking", "fast").param("use_prev_if_drop_increase", true));
        assertEquals(QuantizationResult.Status.TARGET_MET, r.status());
        assertEquals(Set.of("fc3", "fc1"), r.plan().fp32Nodes());
        assertEquals(List.of("fc4"), r.report().get("rolled_back_nodes"));
        List<Map<String, Object>> its = iterations(r);
        assertEquals(List.of("fc4", "fc3", "fc1"), its.stream().map(m -> m.get("node")).toList());
        assertEquals(List.of("rolled_back", "reverted", "reverted"), its.stream().map(m -> m.get("action")).toList());
        assertEquals("fast", r.report().get("ranking"));
        Map<?, ?> cost = (Map<?, ?>) r.report().get("cost");
        assertEquals(3, cost.get("validation_passes"), "one pass per node tried, no put-back worth trying");
        assertEquals(1, ((List<?>) r.report().get("rankings")).size(), "the plan did not change: its ranking still holds");
    }

    @Test
    void fastModeKeepsTheHarmfulRevertLikePotByDefault() {
        QuantizationResult r = run((f, c) -> c.param("ranking", "fast"));
        assertEquals(QuantizationResult.Status.BEST_EFFORT, r.status());
        assertEquals(Set.of("fc4", "fc3", "fc1"), r.plan().fp32Nodes());
        assertEquals(0.02, (double) r.report().get("final_drop"), 1e-9);
    }

    @Test
    void aHigherWorseValidationFunctionIsMinimized() {
        QuantizationResult r = run((f, c) -> {
            ValidationFunction acc = c.validationFunction().orElseThrow();
            c.withValidationFunction(new ValidationFunction() {
                @Override
                public double validate(CompiledModel m, Dataset d) {
                    return 1 - acc.validate(m, d);
                }

                @Override
                public double[] validatePerSample(CompiledModel m, Dataset d) {
                    double[] v = acc.validatePerSample(m, d);
                    for (int i = 0; i < v.length; i++) {
                        v[i] = 1 - v[i];
                    }
                    return v;
                }
            }, false);
            return c.param("use_prev_if_drop_increase", true);
        });
        assertEquals(QuantizationResult.Status.TARGET_MET, r.status());
        assertEquals(List.of("fc3", "fc1"), r.report().get("reverted_nodes"));
    }
}
