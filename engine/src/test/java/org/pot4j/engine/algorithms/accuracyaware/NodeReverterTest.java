package org.pot4j.engine.algorithms.accuracyaware;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.pot4j.api.model.QuantizableNode;
import org.pot4j.api.quant.ActivationQuantizer;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.api.quant.WeightQuantizer;
import org.pot4j.engine.testing.JavaMlpModel;

class NodeReverterTest {
    // input -> fc1 -> r1 -> fc2 -> h2; add(r1, h2) -> sum -> fc3 -> logits: r1 is shared by fc2 and the Add
    private final JavaMlpModel model;

    NodeReverterTest() {
        Random r = new Random(1);
        model = JavaMlpModel.builder("input", -1, 4)
                .linear("fc1", "input", "h1", JavaMlpModel.randomMatrix(r, 4, 4, 1), JavaMlpModel.randomVector(r, 4, 1))
                .relu("h1", "r1")
                .linear("fc2", "r1", "h2", JavaMlpModel.randomMatrix(r, 4, 4, 1), JavaMlpModel.randomVector(r, 4, 1))
                .add("add", "r1", "h2", "sum")
                .linear("fc3", "sum", "logits", JavaMlpModel.randomMatrix(r, 2, 4, 1), JavaMlpModel.randomVector(r, 2, 1))
                .output("logits")
                .build();
    }

    private QuantizationPlan full() {
        QuantizationPlan.Builder b = QuantizationPlan.builder();
        for (String t : List.of("input", "r1", "h2", "sum")) {
            b.activation(t, new ActivationQuantizer(8, true, 0.05f, 0));
        }
        for (String n : List.of("fc1", "fc2", "fc3")) {
            b.weight(n, new WeightQuantizer(8, 0, new float[] {0.01f, 0.01f, 0.01f, 0.01f}, new int[4], true));
            b.biasShift(n, new float[] {0.1f, 0.1f, 0.1f, 0.1f});
        }
        return b.build();
    }

    @Test
    void revertingANodeRemovesItsQuantizerGroupButKeepsSharedTensors() {
        NodeReverter rv = new NodeReverter(model.quantizableNodes());
        QuantizationPlan plan = full();
        assertEquals(List.of("fc1", "fc2", "add", "fc3"), rv.quantized(plan).stream().map(n -> n.id()).toList());

        QuantizationPlan p = rv.revert(plan, "fc2");
        assertFalse(p.weights().containsKey("fc2"));
        assertFalse(p.biasShifts().containsKey("fc2"));
        assertTrue(p.fp32Nodes().contains("fc2"));
        assertTrue(p.activations().containsKey("r1"), "the Add still needs its r1 quantizer");
        assertTrue(p.weights().containsKey("fc1") && p.biasShifts().containsKey("fc1"), "other nodes keep quantizers and shifts");

        QuantizationPlan q = rv.revert(p, "add");
        assertFalse(q.activations().containsKey("r1"), "nobody quantized lists r1 any more");
        assertFalse(q.activations().containsKey("h2"));
        assertTrue(q.activations().containsKey("sum"), "fc3 still lists sum");
        assertEquals(List.of("fc1", "fc3"), rv.quantized(q).stream().map(n -> n.id()).toList());
    }

    @Test
    void aWeightlessNodeWhoseTensorsAreAllSharedChangesNothingNumerically() {
        NodeReverter rv = new NodeReverter(model.quantizableNodes());
        assertTrue(rv.revertChangesNumerics(full(), "add"), "only the Add lists h2");
        QuantizationPlan plan = full().toBuilder().removeActivation("h2").build();
        assertFalse(rv.revertChangesNumerics(plan, "add"), "r1 is still needed by fc2, h2 is not quantized");
        assertTrue(rv.revertChangesNumerics(plan, "fc1"));
    }

    @Test
    void aWeightlessProducerOnlyThisNodeReadsGoesWithIt() {
        // conv (lists its output y, as a weighted producer does for its own integer kernel) -> pool (weightless,
        // lists its output g) -> fc reading g: fc's input quantizer g is the pool's output quantizer
        QuantizableNode conv = new QuantizableNode("conv", "Conv", List.of("x"), List.of("y"), "conv.w", new long[] {4, 1, 1, 1}, 0,
                null, "y", 1);
        QuantizableNode pool = new QuantizableNode("pool", "GlobalAveragePool", List.of("y"), List.of("g"), null, null, -1, null, "g", -1);
        QuantizableNode fc = new QuantizableNode("fc", "Gemm", List.of("g"), List.of(), "fc.w", new long[] {2, 4}, 0, null, "out", 1);
        QuantizableNode head = new QuantizableNode("head", "Gemm", List.of("g"), List.of(), "head.w", new long[] {2, 4}, 0, null, "h", 1);
        QuantizationPlan.Builder b = QuantizationPlan.builder();
        for (String t : List.of("x", "y", "g")) {
            b.activation(t, new ActivationQuantizer(8, false, 0.05f, 0));
        }
        b.weight("conv", new WeightQuantizer(8, 0, new float[] {0.01f, 0.01f, 0.01f, 0.01f}, new int[4], true));
        b.weight("fc", new WeightQuantizer(8, 0, new float[] {0.01f, 0.01f}, new int[2], true));
        QuantizationPlan plan = b.build();
        NodeReverter rv = new NodeReverter(List.of(conv, pool, fc));

        assertEquals(List.of("pool", "fc"), rv.group(plan, "fc").stream().map(n -> n.id()).toList());
        assertEquals(List.of("pool"), rv.group(plan, "pool").stream().map(n -> n.id()).toList(), "the conv has weights");
        assertEquals(List.of("conv"), rv.group(plan, "conv").stream().map(n -> n.id()).toList());
        QuantizationPlan p = rv.revert(plan, "fc");
        assertFalse(p.activations().containsKey("g"), "fc's input quantizer is really gone");
        assertTrue(p.activations().containsKey("y"), "the conv still needs its output quantizer");
        assertTrue(p.fp32Nodes().containsAll(List.of("pool", "fc")));
        assertEquals(List.of("conv"), rv.quantized(p).stream().map(n -> n.id()).toList());
        assertFalse(rv.revertChangesNumerics(plan, "pool"), "y is the conv's and g is fc's: the pool alone changes nothing");

        NodeReverter shared = new NodeReverter(List.of(conv, pool, fc, head));
        QuantizationPlan both = plan.toBuilder().weight("head", plan.weights().get("fc")).build();
        assertEquals(List.of("fc"), shared.group(both, "fc").stream().map(n -> n.id()).toList(), "head still reads g");
        assertTrue(shared.revert(both, "fc").activations().containsKey("g"));
    }
}
