package org.pot4j.backend.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.pot4j.api.Tensor;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.ModelBackend;
import org.pot4j.api.model.QuantizableNode;
import org.pot4j.api.model.SuffixRuns;
import org.pot4j.api.model.TensorInfo;
import org.pot4j.api.quant.QuantizationPlan;

/**
 * {@link SuffixRuns} on the bundled ResNet: for a node kept in FP32, the suffix fed with the tensors
 * the fully quantized plan computes gives the outputs of the whole variant model, and runs fewer
 * nodes the later the node is.
 */
class OnnxSuffixRunsTest {
    @Test
    void suffixFedFromTheBasePlanGivesTheWholeVariantsOutputs() throws java.io.IOException {
        Path fp32 = OnnxFixtures.example("mnist-resnet/resnet.onnx");
        assumeTrue(fp32 != null, "examples/mnist-resnet/resnet.onnx is not there yet");
        try (ModelBackend backend = new OnnxBackendProvider().create(Map.of());
             Model model = backend.load(fp32, Map.of())) {
            assertTrue(model instanceof SuffixRuns, "the ONNX backend offers suffix runs");
            SuffixRuns runs = (SuffixRuns) model;
            Map<String, Tensor> batch = OnnxResnetExampleTest.stack(OnnxFixtures.mnistTest(8), 0, 8);
            QuantizationPlan base = OnnxTestPlans.quantizeAll(model, batch);
            List<QuantizableNode> nodes = model.quantizableNodes();
            double previousShare = 1;
            int checked = 0;
            for (QuantizableNode n : nodes) {
                if (!n.opType().equals("Conv") && !n.opType().equals("Gemm")) {
                    continue;
                }
                QuantizationPlan variant = base.toBuilder().removeWeight(n.id()).removeBiasShift(n.id()).fp32Node(n.id()).build();
                SuffixRuns.Suffix s = runs.suffix(base, variant);
                if (s == null) {
                    continue; // the first conv: the suffix would be (nearly) the whole model
                }
                assertTrue(s.share() > 0 && s.share() <= previousShare + 1e-9, n.id() + " share " + s.share());
                previousShare = s.share();
                Set<String> fed = new LinkedHashSet<>();
                for (TensorInfo t : s.inputs()) {
                    if (!batch.containsKey(t.name())) {
                        fed.add(t.name());
                    }
                }
                Map<String, Tensor> captured;
                try (CompiledModel c = model.compile(base, fed)) {
                    captured = c.infer(batch);
                }
                Map<String, Tensor> in = new LinkedHashMap<>();
                for (TensorInfo t : s.inputs()) {
                    in.put(t.name(), batch.containsKey(t.name()) ? batch.get(t.name()) : captured.get(t.name()));
                }
                float[] viaSuffix;
                float[] whole;
                try (CompiledModel c = s.compile()) {
                    viaSuffix = c.infer(in).values().iterator().next().toFloatArray();
                }
                try (CompiledModel c = model.compile(variant, Set.of())) {
                    whole = c.infer(batch).get(model.outputs().get(0).name()).toFloatArray();
                }
                assertEquals(whole.length, viaSuffix.length);
                float scale = 0;
                for (float v : whole) {
                    scale = Math.max(scale, Math.abs(v));
                }
                for (int i = 0; i < whole.length; i++) {
                    assertEquals(whole[i], viaSuffix[i], 1e-4f * scale, n.id() + " output " + i);
                }
                checked++;
            }
            assertTrue(checked >= nodes.size() / 2, "suffixes checked: " + checked + " of " + nodes.size());
            assertTrue(previousShare < 0.5, "the last node's suffix runs a small part of the graph: " + previousShare);
            assertNull(runs.suffix(base, base), "identical plans have nothing to run");
        }
    }
    /**
     * ONNX Runtime takes equal dim_params for equal sizes: fed tensors of different unknown sizes must not share a
     * name (MiniLM's attention scores [b, 12, s, s] and values [b, 12, s, 32] once both said "d3", and ORT
     * planned one buffer for both), while every batch axis shares one.
     */
    @Test
    void fedTensorsNameTheirUnknownDimensionsApartButShareTheBatch() {
        long[][] shapes = {{-1, 12, -1, -1}, {-1, 12, -1, -1}, {-1, -1}};
        java.util.Map<String, String> owner = new java.util.HashMap<>();
        for (int k = 0; k < shapes.length; k++) {
            var info = OnnxSuffixCutter.valueInfo("t" + k, new OnnxGraph.ValueType(1, shapes[k]), k);
            var dims = info.getType().getTensorType().getShape().getDimList();
            assertEquals(shapes[k].length, dims.size());
            assertEquals("batch", dims.get(0).getDimParam());
            for (int d = 1; d < dims.size(); d++) {
                if (shapes[k][d] >= 0) {
                    assertEquals(shapes[k][d], dims.get(d).getDimValue());
                    continue;
                }
                String name = dims.get(d).getDimParam();
                String where = "t" + k + " axis " + d;
                assertNull(owner.put(name, where), name + " names both " + owner.get(name) + " and " + where);
            }
        }
    }
}
