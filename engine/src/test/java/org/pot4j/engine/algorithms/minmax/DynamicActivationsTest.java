package org.pot4j.engine.algorithms.minmax;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.pot4j.api.model.BackendCapability;
import org.pot4j.api.graph.NodeKind;
import org.pot4j.api.model.QuantizableNode;
import org.pot4j.api.quant.ActivationQuantizer;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.engine.algorithms.BackendCapabilities;
import org.pot4j.engine.config.PlanJson;

/** Which tensors {@code activations: {mode: dynamic}} quantizes at run time, and when it is the default. */
class DynamicActivationsTest {
    private static QuantizableNode linear(String id, String op, String in, long... shape) {
        return new QuantizableNode(id, op, List.of(in), List.of(), id + ".w", shape, shape.length - 1, null, id + ".out", 2,
                op.equals("MatMul") ? NodeKind.MATMUL : NodeKind.LINEAR);
    }

    @Test
    void onlyTensorsReadSolelyByLinearMatMulsAreDynamic() {
        QuantizableNode qkv = linear("q", "MatMul", "ln", 384, 384);
        QuantizableNode k = linear("k", "MatMul", "ln", 384, 384);
        QuantizableNode scores = new QuantizableNode("scores", "MatMul", List.of("qh", "kh"), List.of(), null, null, -1, null, "s", -1,
                NodeKind.MATMUL);
        QuantizableNode gemm = linear("pool", "Gemm", "cls", 384, 384);
        QuantizableNode conv = new QuantizableNode("conv", "Conv", List.of("shared"), List.of("c"), "w", new long[] {4, 4, 3, 3}, 0,
                null, "c", 1, NodeKind.CONV);
        QuantizableNode mixed = linear("fc", "MatMul", "shared", 4, 4);
        QuantizableNode batched = linear("bmm", "MatMul", "x3", 2, 4, 4);
        NodeSelection s = new NodeSelection(List.of(qkv, k, scores, gemm, conv, mixed, batched), Map.of(),
                List.of("ln", "qh", "kh", "cls", "shared", "c", "x3"));
        assertEquals(Set.of("ln"), DynamicActivations.tensors(s));
    }

    @Test
    void transformersOnBackendsThatCanGetDynamicLinearLayersByDefault() {
        Set<BackendCapability> all = BackendCapabilities.assumed();
        Set<BackendCapability> none = EnumSet.copyOf(all);
        none.remove(BackendCapability.DYNAMIC_ACTIVATIONS);
        assertTrue(MinMaxParameters.parse("t", Map.of("model_type", "transformer"), all).dynamicActivations());
        assertFalse(MinMaxParameters.parse("t", Map.of(), all).dynamicActivations(), "CNNs stay static");
        assertFalse(MinMaxParameters.parse("t", Map.of("model_type", "transformer"), none).dynamicActivations());
        assertFalse(MinMaxParameters.parse("t", Map.of("model_type", "transformer", "activations", Map.of("mode", "asymmetric")),
                all).dynamicActivations(), "an explicit static mode wins");
        MinMaxParameters dyn = MinMaxParameters.parse("t", Map.of("preset", "mixed", "activations", Map.of("mode", "dynamic")), all);
        assertTrue(dyn.dynamicActivations());
        assertFalse(dyn.symmetricActivations(), "the other tensors follow the preset");
        assertFalse(MinMaxParameters.parse("t", Map.of("activations", Map.of("mode", "dynamic")), none).dynamicActivations(),
                "falls back to static when the backend cannot");
    }

    @Test
    void planJsonKeepsTheDynamicFlagAndReadsOlderPlansAsStatic() {
        QuantizationPlan plan = QuantizationPlan.builder()
                .activation("x", ActivationQuantizer.dynamic(8))
                .activation("y", new ActivationQuantizer(8, false, 0.5f, 3)).build();
        String json = PlanJson.write(plan);
        assertEquals(plan, PlanJson.read(json));
        String older = json.replaceAll(",\\s*\"dynamic\"\\s*:\\s*true", "");
        assertFalse(older.contains("dynamic"), older);
        QuantizationPlan old = PlanJson.read(older);
        assertFalse(old.activations().get("x").dynamic());
    }
}
