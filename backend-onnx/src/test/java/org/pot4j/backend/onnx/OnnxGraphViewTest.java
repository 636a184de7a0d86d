package org.pot4j.backend.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.ModelBackend;
import org.pot4j.api.model.QuantizableNode;
import org.pot4j.api.quant.ActivationQuantizer;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.api.quant.WeightQuantizer;
import org.pot4j.backend.onnx.proto.OnnxProtos.ModelProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.NodeProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.StringStringEntryProto;

/** The ONNX graph view, the QDQ writer's layout decisions, bias shifts and plan validation. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OnnxGraphViewTest {
    @TempDir
    Path tmp;

    private ModelBackend<OnnxLoadOptions> backend;
    private Model cnn;
    private Map<String, QuantizableNode> nodes;
    private Map<String, Tensor> batch;

    @BeforeAll
    void load() {
        backend = new OnnxBackendProvider().create(null);
        cnn = backend.load(OnnxFixtures.residualCnn());
        nodes = cnn.quantizableNodes().stream().collect(Collectors.toMap(QuantizableNode::id, Function.identity()));
        batch = OnnxResnetExampleTest.stack(OnnxTestData.randomImages(4, OnnxTestModels.SIDE, 5), 0, 4);
    }

    @AfterAll
    void close() {
        cnn.close();
        backend.close();
    }

    @Test
    void cnnNodesCarryTheQuantizersOrtNeeds() {
        assertEquals(List.of("conv1", "conv2", "add", "conv3", "gap", "fc"),
                cnn.quantizableNodes().stream().map(QuantizableNode::id).toList());
        // the Relu after a conv is folded into the conv's output quantizer
        assertEquals(List.of("r1"), nodes.get("conv1").activationOutputs());
        // conv2 feeds the residual Add directly; it lists its own output so reverting the Add keeps its Q
        assertEquals(List.of("c2"), nodes.get("conv2").activationOutputs());
        assertEquals(List.of("c2", "r1"), nodes.get("add").activationInputs());
        assertEquals(List.of("r2"), nodes.get("add").activationOutputs());
        // MaxPool and Flatten keep values: quantizers sit on their source tensors
        assertEquals(List.of("r2"), nodes.get("conv3").activationInputs());
        assertEquals(List.of("g"), nodes.get("fc").activationInputs());
        assertEquals(List.of(), nodes.get("fc").activationOutputs());
        assertNull(nodes.get("add").weightName());
    }

    @Test
    void weightAxesAndShapesFollowTheOps() {
        QuantizableNode conv1 = nodes.get("conv1");
        assertEquals("conv1.weight.src", conv1.weightName(), "Identity in front of the weight is folded");
        assertArrayEquals(new long[] {8, 1, 3, 3}, conv1.weightShape());
        assertEquals(0, conv1.weightChannelAxis());
        assertEquals(1, conv1.outputChannelAxis());
        assertEquals("c1", conv1.outputName());
        QuantizableNode fc = nodes.get("fc");
        assertEquals(0, fc.weightChannelAxis(), "Gemm with transB=1");
        assertEquals(10, cnn.bias(fc).size());
        ModelProto fp32 = ((OnnxModel) cnn).applied(QuantizationPlan.EMPTY);
        assertTrue(fp32.getGraph().getNodeList().stream().noneMatch(n -> n.getOpType().equals("Identity")));
    }

    @Test
    void matMulNetworksListWeightedAndActivationMatMuls() {
        Path file = OnnxFixtures.file("matmul-net.onnx", OnnxTestModels.matMulNet());
        try (Model m = backend.load(file)) {
            Map<String, QuantizableNode> byId = m.quantizableNodes().stream()
                    .collect(Collectors.toMap(QuantizableNode::id, Function.identity()));
            assertEquals(Set.of("fc1", "scores", "context", "fc2"), byId.keySet());
            QuantizableNode fc1 = byId.get("fc1");
            assertEquals(1, fc1.weightChannelAxis(), "MatMul weight [K,N]");
            assertEquals("b1", fc1.biasName(), "the Add constant after a MatMul is its bias");
            assertEquals(2, fc1.outputChannelAxis(), "last axis of [N,6,32]");
            assertEquals(List.of("h"), byId.get("scores").activationInputs(), "h and its transpose share one quantizer");
            assertNull(byId.get("scores").weightName());
            assertEquals(List.of("attn", "h"), byId.get("context").activationInputs());
            assertFalse(byId.get("fc2").hasBias());

            Dataset data = OnnxTestData.randomMatrices(4, 6, 16, 2);
            List<Tensor> parts = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                parts.add(data.get(i).inputs().get("input").withBatchDim());
            }
            Map<String, Tensor> in = Map.of("x", Tensor.concat(parts));
            QuantizationPlan plan = OnnxTestPlans.quantizeAll(m, in);
            Path optimized = tmp.resolve("matmul-optimized.onnx");
            OnnxModel om = (OnnxModel) m;
            try (CompiledModel f = m.compile(QuantizationPlan.EMPTY, Set.of());
                 CompiledModel q = om.compile(plan, Set.of(), OnnxSessionSettings.defaults()
                         .withOptimizedModelPath(optimized.toString()))) {
                double cos = cosine(f.infer(in).get("y"), q.infer(in).get("y"));
                assertTrue(cos > 0.98, "cosine " + cos);
            }
            Map<String, Integer> ops = OnnxResnetExampleTest.opHistogram(optimized);
            int integerMatMuls = ops.getOrDefault("MatMulIntegerToFloat", 0) + ops.getOrDefault("QLinearMatMul", 0)
                    + ops.getOrDefault("MatMulInteger", 0) + ops.getOrDefault("DynamicQuantizeMatMul", 0);
            assertEquals(4, integerMatMuls, "integer MatMuls in " + ops);
            assertEquals(0, ops.getOrDefault("MatMul", 0), "float MatMuls left in " + ops);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void batchNormalizationIsFoldedIntoTheConv() {
        Path file = OnnxFixtures.file("conv-bn.onnx", OnnxTestModels.convBatchNorm());
        try (Model m = backend.load(file)) {
            QuantizableNode conv = m.quantizableNodes().get(0);
            assertEquals("conv", conv.id());
            assertEquals(List.of("r"), conv.activationOutputs(), "the Relu after the folded BN goes into the conv's Q");
            assertTrue(conv.hasBias(), "folding gives the conv a bias");
            ModelProto fp32 = ((OnnxModel) m).applied(QuantizationPlan.EMPTY);
            assertTrue(fp32.getGraph().getNodeList().stream().noneMatch(n -> n.getOpType().equals("BatchNormalization")));
            assertTrue(fp32.getGraph().getInitializerList().stream().noneMatch(t -> t.getName().startsWith("bn.")),
                    "BN parameters are gone");
            Map<String, Tensor> in = Map.of("input", batch.get("input"));
            Map<String, Tensor> reference = OnnxFixtures.ortReference(file, in);
            try (CompiledModel c = m.compile(QuantizationPlan.EMPTY, Set.of())) {
                float[] got = c.infer(in).get("logits").floats();
                float[] want = reference.get("logits").floats();
                for (int i = 0; i < want.length; i++) {
                    assertEquals(want[i], got[i], 1e-4, "logit " + i);
                }
            }
        }
    }

    @Test
    void biasShiftsAreAddedToTheFloatBias() {
        float[] shift = new float[10];
        java.util.Arrays.fill(shift, 1.5f);
        QuantizationPlan plan = QuantizationPlan.builder().biasShift("fc", shift).build();
        float[] base = run(QuantizationPlan.EMPTY);
        float[] shifted = run(plan);
        for (int i = 0; i < base.length; i++) {
            assertEquals(base[i] + 1.5f, shifted[i], 1e-5, "logit " + i);
        }
    }

    @Test
    void biasShiftsAreAddedBeforeTheInt32BiasIsQuantized() {
        QuantizationPlan full = OnnxTestPlans.quantizeAll(cnn, batch);
        float[] shift = new float[10];
        java.util.Arrays.fill(shift, -0.75f);
        float[] base = run(full);
        float[] shifted = run(full.toBuilder().biasShift("fc", shift).build());
        ModelProto written = ((OnnxModel) cnn).applied(full);
        assertTrue(written.getGraph().getInitializerList().stream()
                .anyMatch(t -> t.getName().equals("fc.bias_quantized") && t.getDataType() == OnnxTensorProtos.INT32),
                "the Gemm bias is stored as INT32");
        for (int i = 0; i < base.length; i++) {
            assertEquals(base[i] - 0.75f, shifted[i], 1e-3, "logit " + i);
        }
    }

    @Test
    void signedActivationsAreStoredAsEquivalentUint8() {
        // a small scale so that the int8 range [-1.28, 1.27] clips some values of c2
        ActivationQuantizer signed = new ActivationQuantizer(8, true, 0.01f, 0);
        QuantizationPlan plan = QuantizationPlan.builder().activation("c2", signed).build();
        ModelProto written = ((OnnxModel) cnn).applied(plan);
        var zp = written.getGraph().getInitializerList().stream().filter(t -> t.getName().equals("c2_zero_point"))
                .findFirst().orElseThrow();
        // uint8 zero point 128, or int8 zero point 0 where this CPU's kernel table measured int8 faster: same values
        boolean u8 = zp.getDataType() == OnnxTensorProtos.UINT8;
        assertTrue(u8 || zp.getDataType() == OnnxTensorProtos.INT8);
        assertEquals(u8 ? 128 : 0, u8 ? Byte.toUnsignedInt(zp.getRawData().byteAt(0)) : zp.getRawData().byteAt(0));
        // the residual sum s = DQ(Q(c2)) + r1 must equal the signed quantizer's arithmetic
        Map<String, Tensor> fp;
        Map<String, Tensor> q;
        try (CompiledModel c = cnn.compile(QuantizationPlan.EMPTY, Set.of("c2", "r1"));
             CompiledModel d = cnn.compile(plan, Set.of("s"))) {
            fp = c.infer(batch);
            q = d.infer(batch);
        }
        float[] c2 = fp.get("c2").floats();
        float[] r1 = fp.get("r1").floats();
        float[] s = q.get("s").floats();
        int clipped = 0;
        for (int i = 0; i < s.length; i++) {
            clipped += Math.abs(c2[i]) > 1.28f ? 1 : 0;
            assertEquals(signed.fakeQuantize(c2[i]) + r1[i], s[i], 1e-5, "element " + i);
        }
        assertTrue(clipped > 0, "the test should exercise clipping");
    }

    @Test
    void fp32NodesKeepFloatWeightsAndDropQuantizersOnlyTheyNeed() {
        QuantizationPlan plan = OnnxTestPlans.quantizeAll(cnn, batch).toBuilder().fp32Node("conv3").fp32Node("gap").build();
        ModelProto written = ((OnnxModel) cnn).applied(plan);
        List<NodeProto> graph = written.getGraph().getNodeList();
        NodeProto conv3 = graph.stream().filter(n -> n.getName().equals("conv3")).findFirst().orElseThrow();
        assertEquals("conv3.weight", conv3.getInput(1), "reverted conv keeps its float weight");
        Set<String> quantizedTensors = graph.stream().filter(n -> n.getOpType().equals("QuantizeLinear"))
                .map(n -> n.getInput(0)).collect(Collectors.toSet());
        assertTrue(quantizedTensors.contains("r2"), "r2 is still needed by the quantized Add: " + quantizedTensors);
        assertFalse(quantizedTensors.contains("r3"), "r3 was needed by conv3 and gap only: " + quantizedTensors);
        assertTrue(quantizedTensors.contains("g"), "g is still needed by fc: " + quantizedTensors);
    }

    @Test
    void savedModelsCarryVersionAndQuantizationSummary() {
        Path target = tmp.resolve("meta").resolve("cnn-int8.onnx");
        QuantizationPlan plan = OnnxTestPlans.quantizeAll(cnn, batch).toBuilder().metadata("preset", "performance").build();
        cnn.save(plan, target);
        try (Model reloaded = backend.load(target)) {
            ModelProto m = ((OnnxModel) reloaded).onnxGraph().model();
            Map<String, String> meta = m.getMetadataPropsList().stream()
                    .collect(Collectors.toMap(StringStringEntryProto::getKey, StringStringEntryProto::getValue));
            assertTrue(meta.containsKey("pot4j.version"), meta.keySet().toString());
            assertEquals("performance", meta.get("pot4j.preset"));
            assertEquals("test-minmax", meta.get("pot4j.algorithm"));
            String summary = meta.get("pot4j.quantization");
            assertTrue(summary.contains("\"conv1\":{\"op\":\"Conv\",\"weight\":[8,0,8],\"bias\":\"int32\"}"), summary);
            Pot4jException e = assertThrows(Pot4jException.class, reloaded::quantizableNodes);
            assertEquals(ErrorCode.NO_QUANTIZABLE_NODES, e.code());
            assertTrue(e.getMessage().contains("already quantized"), e.getMessage());
        }
    }

    @Test
    void plansThatDoNotMatchTheModelAreRejected() {
        WeightQuantizer wrongChannels = new WeightQuantizer(8, 0, new float[] {1, 1, 1}, new int[3], true);
        assertInvalid(QuantizationPlan.builder().weight("conv1", wrongChannels).build(), "3 scales");
        assertInvalid(QuantizationPlan.builder().activation("nope", new ActivationQuantizer(8, false, 0.1f, 0)).build(), "nope");
        assertInvalid(QuantizationPlan.builder().weight("add", wrongChannels).build(), "has no weight");
        assertInvalid(QuantizationPlan.builder().biasShift("fc", new float[3]).build(), "3 values");
        Pot4jException e = assertThrows(Pot4jException.class, () -> cnn.compile(QuantizationPlan.EMPTY, Set.of("ghost")));
        assertEquals(ErrorCode.CONFIG_INVALID, e.code());
    }

    @Test
    void wrongDtypeIsAShapeMismatch() {
        try (CompiledModel c = cnn.compile(QuantizationPlan.EMPTY, Set.of())) {
            Tensor longs = Tensor.zeros(new long[] {1, 1, 12, 12}, org.pot4j.api.DataType.INT64);
            Pot4jException e = assertThrows(Pot4jException.class, () -> c.infer(Map.of("input", longs)));
            assertEquals(ErrorCode.DATASET_SHAPE_MISMATCH, e.code());
            assertTrue(e.getMessage().contains("FLOAT32") && e.getMessage().contains("INT64"), e.getMessage());
        }
    }

    private void assertInvalid(QuantizationPlan plan, String expected) {
        Pot4jException e = assertThrows(Pot4jException.class, () -> cnn.compile(plan, Set.of()));
        assertEquals(ErrorCode.CONFIG_INVALID, e.code());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    private float[] run(QuantizationPlan plan) {
        try (CompiledModel c = cnn.compile(plan, Set.of())) {
            return c.infer(batch).get("logits").floats();
        }
    }

    private static double cosine(Tensor a, Tensor b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.size(); i++) {
            dot += a.getDouble(i) * b.getDouble(i);
            na += a.getDouble(i) * a.getDouble(i);
            nb += b.getDouble(i) * b.getDouble(i);
        }
        return dot / Math.sqrt(na * nb);
    }
}
