package org.pot4j.backend.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
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
import org.pot4j.api.model.BackendCapability;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.QuantizableNode;
import org.pot4j.api.quant.ActivationQuantizer;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.backend.onnx.proto.OnnxProtos.ModelProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.TensorProto;

/** Int8 embedding tables (Gather) and dynamically quantized MatMuls, run on ONNX Runtime. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OnnxEncoderQuantizationTest {
    @TempDir
    Path tmp;

    private org.pot4j.api.model.ModelBackend<OnnxLoadOptions> backend;
    private Model model;
    private Map<String, QuantizableNode> nodes;
    private Map<String, Tensor> batch;

    @BeforeAll
    void load() {
        backend = new OnnxBackendProvider().create(null);
        model = backend.load(OnnxFixtures.file("embedding-net.onnx", OnnxTestModels.embeddingNet()));
        nodes = model.quantizableNodes().stream().collect(Collectors.toMap(QuantizableNode::id, Function.identity()));
        Random r = new Random(3);
        long[] ids = new long[8 * 6];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = r.nextInt(50);
        }
        batch = Map.of("ids", Tensor.ofLongs(new long[] {8, 6}, ids));
    }

    @AfterAll
    void close() {
        model.close();
        backend.close();
    }

    @Test
    void embeddingTableIsAWeightedNodeWithPerRowScalesAndNoActivationQuantizer() {
        QuantizableNode embed = nodes.get("embed");
        assertEquals("Gather", embed.opType());
        assertEquals("emb", embed.weightName());
        assertEquals(0, embed.weightChannelAxis(), "one scale per row");
        assertTrue(embed.activationInputs().isEmpty(), "token ids are not quantized");
        assertTrue(backend.capabilities().contains(BackendCapability.DYNAMIC_ACTIVATIONS));
    }

    @Test
    void int8TableAndDynamicMatMulsStayCloseToFp32AndRunOnIntegerKernels() throws IOException {
        QuantizationPlan plan = dynamicPlan();
        Path optimized = tmp.resolve("optimized.onnx");
        try (CompiledModel f = model.compile(QuantizationPlan.EMPTY, Set.of());
             CompiledModel q = ((OnnxModel) model).compile(plan, Set.of(), OnnxSessionSettings.defaults()
                     .withOptimizedModelPath(optimized.toString()))) {
            float[] a = f.infer(batch).get("y").floats();
            float[] b = q.infer(batch).get("y").floats();
            double cos = cosine(a, b);
            assertTrue(cos > 0.995, "cosine to FP32 " + cos);
        }
        Map<String, Integer> ops = OnnxResnetExampleTest.opHistogram(optimized);
        assertEquals(0, ops.getOrDefault("MatMul", 0), "float MatMuls left in " + ops);
        int dynamic = ops.getOrDefault("DynamicQuantizeMatMul", 0) + ops.getOrDefault("MatMulIntegerToFloat", 0)
                + ops.getOrDefault("MatMulInteger", 0);
        assertEquals(2, dynamic, "integer MatMuls in " + ops);
        assertEquals(0, ops.getOrDefault("QuantizeLinear", 0), "no static quantizer in " + ops);

        Path saved = tmp.resolve("int8.onnx");
        model.save(plan, saved);
        ModelProto m = ModelProto.parseFrom(Files.readAllBytes(saved));
        TensorProto table = m.getGraph().getInitializerList().stream().filter(t -> t.getName().startsWith("emb"))
                .filter(t -> t.getDataType() == OnnxTensorProtos.INT8).findFirst().orElseThrow();
        assertEquals(List.of(50L, 16L), table.getDimsList());
        assertTrue(m.getGraph().getInitializerList().stream().noneMatch(t -> t.getName().equals("emb")), "FP32 table dropped");

    }

    @Test
    void perRowScalesKeepSmallRowsThatOneScaleWouldFlatten() {
        // rows span 0.01x .. 10x: the gathered small rows must survive quantization
        QuantizationPlan plan = QuantizationPlan.builder()
                .weight("embed", OnnxTestPlans.perChannel(model.weight(nodes.get("embed")), 0)).build();
        try (CompiledModel f = model.compile(QuantizationPlan.EMPTY, Set.of("e"));
             CompiledModel q = model.compile(plan, Set.of("e"))) {
            Tensor ids = Tensor.ofLongs(new long[] {1, 6}, new long[] {0, 1, 2, 3, 4, 5});
            float[] a = f.infer(Map.of("ids", ids)).get("e").floats();
            float[] b = q.infer(Map.of("ids", ids)).get("e").floats();
            assertTrue(cosine(a, b) > 0.9999, "small rows: cosine " + cosine(a, b));
        }
    }

    @Test
    void rowScalesAreStoredAsCorrectlyRoundedFloat16() {
        assertEquals(0x3C00, OnnxHalfFloats.fromFloat(1f) & 0xffff);
        assertEquals(0x2E66, OnnxHalfFloats.fromFloat(0.1f) & 0xffff);
        assertEquals(0x7BFF, OnnxHalfFloats.fromFloat(65504f) & 0xffff);
        assertEquals(0x0400, OnnxHalfFloats.fromFloat(OnnxHalfFloats.MIN_NORMAL) & 0xffff);
        for (float f : new float[] {1e-4f, 0.00823f, 0.5f, 3.14159f, 1000.5f}) {
            float back = OnnxHalfFloats.toFloat(OnnxHalfFloats.fromFloat(f));
            assertEquals(f, back, f / 2048, "float16 keeps 11 significant bits: " + f);
        }
        assertThrows(IllegalArgumentException.class, () -> OnnxHalfFloats.fromFloat(1e-6f));
        // weights (outlier-channel rows): subnormals rounded, zero kept, beyond range clamped
        assertEquals(0x0001, OnnxHalfFloats.fromFiniteFloat(5.9604645e-8f) & 0xffff);
        assertEquals(0x8000 | 291, OnnxHalfFloats.fromFiniteFloat(-1.7352904e-5f) & 0xffff);
        assertEquals(-1.7352904e-5f, OnnxHalfFloats.toFloat(OnnxHalfFloats.fromFiniteFloat(-1.7352904e-5f)), 3e-8f);
        assertEquals(0, OnnxHalfFloats.fromFiniteFloat(0f));
        assertEquals(0x7BFF, OnnxHalfFloats.fromFiniteFloat(1e6f) & 0xffff);
        assertEquals(0x3C00, OnnxHalfFloats.fromFiniteFloat(1f) & 0xffff);
    }

    @Test
    void revertedMatMulKeepsFloatAndTheOtherStaysDynamic() throws IOException {
        QuantizationPlan plan = dynamicPlan().toBuilder().fp32Node("fc1").build();
        Path optimized = tmp.resolve("optimized-reverted.onnx");
        try (CompiledModel q = ((OnnxModel) model).compile(plan, Set.of(), OnnxSessionSettings.defaults()
                .withOptimizedModelPath(optimized.toString()))) {
            q.infer(batch);
        }
        Map<String, Integer> ops = OnnxResnetExampleTest.opHistogram(optimized);
        assertEquals(1, ops.getOrDefault("MatMul", 0) + ops.getOrDefault("FusedMatMul", 0), "fc1 in float: " + ops);
    }

    @Test
    void outlierChannelsComputedInFloatTakeTheOutlierOutOfTheDynamicRange() throws IOException {
        // channel 5 of the gathered embeddings 40x larger than the rest: it alone sets fc1's dynamic int8 step
        ModelProto proto = OnnxTestModels.embeddingNet();
        org.pot4j.backend.onnx.proto.OnnxProtos.GraphProto.Builder g = proto.getGraph().toBuilder();
        for (int i = 0; i < g.getInitializerCount(); i++) {
            if (g.getInitializer(i).getName().equals("emb")) {
                float[] v = OnnxTensorProtos.floats(g.getInitializer(i));
                for (int r = 0; r < 50; r++) {
                    for (int c = 0; c < 16; c++) {
                        v[r * 16 + c] = (float) Math.sin(r * 16 + c) * (c == 5 ? 40 : 1);
                    }
                }
                g.setInitializer(i, OnnxTensorProtos.ofFloats("emb", new long[] {50, 16}, v));
            }
        }
        Path file = OnnxFixtures.file("embedding-net-outlier.onnx", proto.toBuilder().setGraph(g).build());
        try (Model m = backend.load(file)) {
            QuantizationPlan.Builder b = QuantizationPlan.builder();
            for (QuantizableNode n : m.quantizableNodes()) {
                if (n.opType().equals("MatMul")) {
                    b.weight(n.id(), OnnxTestPlans.perChannel(m.weight(n), n.weightChannelAxis()));
                    b.activation(n.activationInputs().get(0), ActivationQuantizer.dynamic(8));
                }
            }
            QuantizationPlan plain = b.build();
            String e = m.quantizableNodes().stream().filter(n -> n.id().equals("fc1")).findFirst().orElseThrow()
                    .activationInputs().get(0);
            QuantizationPlan split = plain.toBuilder().floatChannels(e, new int[] {5}).build();
            Path optimized = tmp.resolve("optimized-outliers.onnx");
            double errPlain;
            double errSplit;
            try (CompiledModel f = m.compile(QuantizationPlan.EMPTY, Set.of());
                 CompiledModel p = m.compile(plain, Set.of());
                 CompiledModel q = ((OnnxModel) m).compile(split, Set.of(), OnnxSessionSettings.defaults()
                         .withOptimizedModelPath(optimized.toString()))) {
                float[] ref = f.infer(batch).get("y").floats();
                errPlain = nmse(ref, p.infer(batch).get("y").floats());
                errSplit = nmse(ref, q.infer(batch).get("y").floats());
            }
            assertTrue(errSplit < errPlain / 4, "NMSE to FP32 with channel 5 in float " + errSplit + ", without " + errPlain);
            Map<String, Integer> ops = OnnxResnetExampleTest.opHistogram(optimized);
            assertEquals(2, ops.getOrDefault("DynamicQuantizeMatMul", 0) + ops.getOrDefault("MatMulIntegerToFloat", 0)
                    + ops.getOrDefault("MatMulInteger", 0), "both MatMuls stay integer: " + ops);
            assertTrue(ops.getOrDefault("MatMul", 0) + ops.getOrDefault("FusedMatMul", 0) + ops.getOrDefault("Gemm", 0) >= 1,
                    "the outlier channel's float product: " + ops);
            assertTrue(model.sizeOnDisk() > 0);

            // pot4j benchmark / evaluate --quantized load the written file: its float16 outlier rows
            // must not be refused as "computes with FP16 weights"
            QuantizableNode embed = m.quantizableNodes().stream().filter(n -> n.id().equals("embed")).findFirst().orElseThrow();
            QuantizationPlan written8 = split.toBuilder()
                    .weight(embed.id(), OnnxTestPlans.perChannel(m.weight(embed), embed.weightChannelAxis())).build();
            Path saved = tmp.resolve("int8-outliers.onnx");
            m.save(written8, saved);
            ModelProto written = ModelProto.parseFrom(Files.readAllBytes(saved));
            assertTrue(written.getGraph().getInitializerList().stream()
                    .anyMatch(t -> t.getDataType() == TensorProto.DataType.FLOAT16_VALUE), "float16 row scales and rows written");
            try (Model reloaded = backend.load(saved);
                 CompiledModel r = reloaded.compile(QuantizationPlan.EMPTY, Set.of());
                 CompiledModel q = m.compile(written8, Set.of())) {
                assertArrayEquals(q.infer(batch).get("y").floats(), r.infer(batch).get("y").floats(), 1e-5f);
            }
        }
    }

    /** embeddingNet with one outlier: channel 5 of the embeddings (scale 40) or column 7 of fc1, i.e. channel 7 of h (scale 40). */
    private static Path outlierNet(String name, String init, int channel) {
        ModelProto proto = OnnxTestModels.embeddingNet();
        org.pot4j.backend.onnx.proto.OnnxProtos.GraphProto.Builder g = proto.getGraph().toBuilder();
        for (int i = 0; i < g.getInitializerCount(); i++) {
            TensorProto t = g.getInitializer(i);
            if (t.getName().equals(init)) {
                long[] shape = OnnxTensorProtos.shape(t);
                float[] v = OnnxTensorProtos.floats(t);
                int cols = (int) shape[1];
                for (int k = 0; k < v.length; k++) {
                    v[k] = (float) Math.sin(k) * (k % cols == channel ? 40 : 1);
                }
                g.setInitializer(i, OnnxTensorProtos.ofFloats(init, shape, v));
            }
        }
        return OnnxFixtures.file(name, proto.toBuilder().setGraph(g).build());
    }

    /** Both MatMuls dynamic with per-channel int8 weights. */
    private static QuantizationPlan dynamicMatMuls(Model m) {
        QuantizationPlan.Builder b = QuantizationPlan.builder();
        for (QuantizableNode n : m.quantizableNodes()) {
            if (n.opType().equals("MatMul")) {
                b.weight(n.id(), OnnxTestPlans.perChannel(m.weight(n), n.weightChannelAxis()));
                b.activation(n.activationInputs().get(0), ActivationQuantizer.dynamic(8));
            }
        }
        return b.build();
    }

    private static String input(Model m, String id) {
        return m.quantizableNodes().stream().filter(n -> n.id().equals(id)).findFirst().orElseThrow().activationInputs().get(0);
    }

    @Test
    void outlierChannelsOfAnActivationOutputAreMadeInFloatAtTheirSourceWithoutAMask() throws IOException {
        // fc1 -> +b1 -> Relu -> fc2: channel 7 of the Relu output is 40x the rest; Relu(0) = 0, so fc1's column 7
        // and bias 7 are zeroed in the integer path and a float MatMul + Relu over that column makes the channel
        try (Model m = backend.load(outlierNet("embedding-net-outlier-column.onnx", "w1", 7))) {
            QuantizationPlan plain = dynamicMatMuls(m);
            String h = input(m, "fc2");
            QuantizationPlan columns = plain.toBuilder().floatChannels(h, new int[] {7}, new float[] {30f}).build();
            Path optimized = tmp.resolve("optimized-columns.onnx");
            double errPlain;
            double errColumns;
            try (CompiledModel f = m.compile(QuantizationPlan.EMPTY, Set.of());
                 CompiledModel p = m.compile(plain, Set.of());
                 CompiledModel q = ((OnnxModel) m).compile(columns, Set.of(), OnnxSessionSettings.defaults()
                         .withOptimizedModelPath(optimized.toString()))) {
                float[] ref = f.infer(batch).get("y").floats();
                errPlain = nmse(ref, p.infer(batch).get("y").floats());
                errColumns = nmse(ref, q.infer(batch).get("y").floats());
            }
            assertTrue(errColumns < errPlain / 4, "NMSE to FP32 with channel 7 made in float " + errColumns + ", without " + errPlain);
            Map<String, Integer> ops = OnnxResnetExampleTest.opHistogram(optimized);
            assertEquals(2, ops.getOrDefault("DynamicQuantizeMatMul", 0) + ops.getOrDefault("MatMulIntegerToFloat", 0)
                    + ops.getOrDefault("MatMulInteger", 0), "both MatMuls stay integer: " + ops);
            Path saved = tmp.resolve("int8-columns.onnx");
            m.save(columns, saved);
            ModelProto written = ModelProto.parseFrom(Files.readAllBytes(saved));
            long relus = written.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("Relu")).count();
            assertEquals(2, relus, "the activation is repeated for the float column");
            assertTrue(written.getGraph().getNodeList().stream().noneMatch(n -> n.getOpType().equals("Gather") && n.getInput(0).equals(h)),
                    "no gather of the outlier channel: it is made, not picked");
            assertTrue(written.getGraph().getNodeList().stream().noneMatch(n -> n.getOpType().equals("Mul") && n.getInput(0).equals(h)),
                    "no mask");
        }
    }

    @Test
    void outlierChannelsWithDivisorsAreDividedIntoRangeByOneMul() throws IOException {
        // channel 5 of the gathered embeddings is 40x the rest; the Gather is no activation function, so the
        // channel is divided by its divisor and fc1's weight row 5 multiplied by it: no float product. Division
        // moves the range into the weight row, so it pays where that row is not the largest (here 1/8 of the rest)
        ModelProto proto = ModelProto.parseFrom(Files.readAllBytes(outlierNet("embedding-net-outlier-emb.onnx", "emb", 5)));
        org.pot4j.backend.onnx.proto.OnnxProtos.GraphProto.Builder g = proto.getGraph().toBuilder();
        for (int i = 0; i < g.getInitializerCount(); i++) {
            if (g.getInitializer(i).getName().equals("w1")) {
                float[] v = OnnxTensorProtos.floats(g.getInitializer(i));
                for (int c = 0; c < 32; c++) {
                    v[5 * 32 + c] /= 8;
                }
                g.setInitializer(i, OnnxTensorProtos.ofFloats("w1", new long[] {16, 32}, v));
            }
        }
        Path file = OnnxFixtures.file("embedding-net-outlier-divided.onnx", proto.toBuilder().setGraph(g).build());
        try (Model m = backend.load(file)) {
            QuantizationPlan plain = dynamicMatMuls(m);
            String e = input(m, "fc1");
            QuantizationPlan divided = plain.toBuilder().floatChannels(e, new int[] {5}, new float[] {40f}).build();
            double errPlain;
            double errDivided;
            try (CompiledModel f = m.compile(QuantizationPlan.EMPTY, Set.of());
                 CompiledModel p = m.compile(plain, Set.of());
                 CompiledModel q = m.compile(divided, Set.of())) {
                float[] ref = f.infer(batch).get("y").floats();
                errPlain = nmse(ref, p.infer(batch).get("y").floats());
                errDivided = nmse(ref, q.infer(batch).get("y").floats());
            }
            assertTrue(errDivided < errPlain / 4, "NMSE to FP32 with channel 5 divided " + errDivided + ", without " + errPlain);
            Path saved = tmp.resolve("int8-divided.onnx");
            m.save(divided, saved);
            ModelProto written = ModelProto.parseFrom(Files.readAllBytes(saved));
            assertEquals(1, written.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("Mul") && n.getInput(0).equals(e)).count(),
                    "one Mul divides the channel");
            assertEquals(0, written.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("MatMul")).count(),
                    "no float product for the divided channel: " + written.getGraph().getNodeList().stream()
                            .map(n -> n.getOpType()).toList());
        }
    }

    private static double nmse(float[] ref, float[] x) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < ref.length; i++) {
            num += (ref[i] - x[i]) * (double) (ref[i] - x[i]);
            den += ref[i] * (double) ref[i];
        }
        return num / den;
    }

    @Test
    void dynamicQuantizerOnATensorAWeightlessNodeReadsIsRejected() {
        QuantizationPlan plan = dynamicPlan().toBuilder().activation("ids", ActivationQuantizer.dynamic(8)).build();
        Pot4jException e = assertThrows(Pot4jException.class, () -> model.compile(plan, Set.of()));
        assertEquals(ErrorCode.CONFIG_INVALID, e.code());
    }

    private QuantizationPlan dynamicPlan() {
        QuantizationPlan.Builder b = QuantizationPlan.builder();
        for (QuantizableNode n : model.quantizableNodes()) {
            b.weight(n.id(), OnnxTestPlans.perChannel(model.weight(n), n.weightChannelAxis()));
            for (String t : n.activationInputs()) {
                b.activation(t, ActivationQuantizer.dynamic(8));
            }
        }
        return b.build();
    }

    private static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * (double) b[i];
            na += a[i] * (double) a[i];
            nb += b[i] * (double) b[i];
        }
        return dot / Math.sqrt(na * nb);
    }
}
