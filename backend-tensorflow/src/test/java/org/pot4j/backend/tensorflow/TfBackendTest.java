package org.pot4j.backend.tensorflow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.pot4j.testkit.MnistFixture;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.Tensor;
import org.pot4j.api.model.BackendCapability;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.ModelBackend;
import org.pot4j.api.model.QuantizableNode;
import org.pot4j.api.quant.ActivationQuantizer;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.api.quant.WeightQuantizer;
import org.tensorflow.Graph;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TString;

/** TensorFlow-specific behaviour beyond the testkit: graph view details, plan rewriting, formats, bad input. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TfBackendTest {
    private final TfScratch scratch = new TfScratch();
    private ModelBackend backend;
    private Path savedModel;
    private Path frozen;
    private Map<String, Tensor> batch;

    @TempDir
    Path tempDir;

    @BeforeAll
    void build() {
        backend = new TfBackendProvider().create(Map.of());
        savedModel = TfTestModels.savedModel(scratch.dir().resolve("small_cnn"));
        frozen = TfTestModels.frozenGraph(scratch.dir().resolve("small_cnn.pb"));
        try (Model m = backend.load(savedModel, Map.of())) {
            batch = TfMinMaxPlanner.batch(m, TfTestModels.dataset(), 0, 4);
        }
    }

    @AfterAll
    void cleanUp() {
        backend.close();
        scratch.close();
    }

    // ------------------------------------------------------------------ graph view

    @Test
    void graphViewListsConvDepthwiseAndMatMulInTensorFlowLayouts() {
        try (Model m = backend.load(savedModel, Map.of())) {
            List<QuantizableNode> nodes = m.quantizableNodes();
            assertEquals(List.of("conv1/Conv2D", "dw/depthwise", "conv2/Conv2D", "block/add", "fc/MatMul"),
                    nodes.stream().map(QuantizableNode::id).toList());
            assertEquals(List.of("Conv2D", "DepthwiseConv2dNative", "Conv2D", "Add", "MatMul"),
                    nodes.stream().map(QuantizableNode::opType).toList());
            assertEquals(List.of(3, 2, 3, -1, 1), nodes.stream().map(QuantizableNode::weightChannelAxis).toList(),
                    "HWIO, HWCM, HWIO, none, [in,out]");
            assertEquals(List.of(3, 3, 3, -1, 1), nodes.stream().map(QuantizableNode::outputChannelAxis).toList(), "NHWC outputs");
            assertArrayEquals(new long[] {3, 3, 2, 8}, nodes.get(0).weightShape());
            assertArrayEquals(new long[] {512, 10}, nodes.get(4).weightShape());
            assertEquals(List.of("conv1/BiasAdd:0", "dw/BiasAdd:0", "conv2/BiasAdd:0", "block/add:0", "logits:0"),
                    nodes.stream().map(QuantizableNode::outputName).toList(), "outputName is the BiasAdd output");
            assertEquals("conv1/bias", nodes.get(0).biasName());
            assertFalse(nodes.get(3).hasWeight());
            assertThrows(IllegalArgumentException.class, () -> m.weight(nodes.get(3)));
            // convolutions quantize input and output (after the fused Relu); the residual add its inputs and
            // output; MatMul its input, traced back through the flattening Reshape to the add's Relu
            assertEquals(List.of("x:0"), nodes.get(0).activationInputs());
            assertEquals(List.of("conv1/Relu:0"), nodes.get(0).activationOutputs());
            assertEquals(List.of("conv1/Relu:0"), nodes.get(1).activationInputs());
            assertEquals(List.of("dw/Relu:0"), nodes.get(1).activationOutputs());
            assertEquals(List.of("conv2/BiasAdd:0"), nodes.get(2).activationOutputs());
            assertEquals(List.of("conv2/BiasAdd:0", "conv1/Relu:0"), nodes.get(3).activationInputs());
            assertEquals(List.of("block/Relu:0"), nodes.get(3).activationOutputs());
            assertEquals(List.of("block/Relu:0"), nodes.get(4).activationInputs());
            assertEquals(List.of(), nodes.get(4).activationOutputs());
            assertEquals("input", m.inputs().get(0).name());
            assertArrayEquals(new long[] {-1, 8, 8, 2}, m.inputs().get(0).shape());
            assertEquals("logits", m.outputs().get(0).name());
        }
    }

    @Test
    void savedModelAndFrozenGraphOfTheSameNetworkAgree() {
        try (Model a = backend.load(savedModel, Map.of()); Model b = backend.load(frozen, Map.of());
             CompiledModel ca = a.compile(QuantizationPlan.EMPTY, Set.of());
             CompiledModel cb = b.compile(QuantizationPlan.EMPTY, Set.of())) {
            assertEquals(a.quantizableNodes(), b.quantizableNodes());
            for (QuantizableNode n : a.quantizableNodes()) {
                if (n.hasWeight()) {
                    assertArrayEquals(a.weight(n).floats(), b.weight(n).floats());
                    assertArrayEquals(a.bias(n).floats(), b.bias(n).floats());
                }
            }
            assertEquals("logits", b.outputs().get(0).name(), "frozen outputs are inferred from the sinks");
            assertArrayEquals(ca.infer(batch).get("logits").floats(), cb.infer(Map.of("x", batch.get("input"))).get("logits").floats(), 1e-5f);
        }
    }

    @Test
    void kerasSavedModelAndItsFrozenTwinGiveTheSameOutputs() {
        Path lenet = MnistFixture.examples().resolve("mnist-lenet");
        try (Model sm = backend.load(lenet.resolve("lenet_savedmodel"), Map.of());
             Model pb = backend.load(lenet.resolve("lenet_frozen.pb"), Map.of("outputs", "logits"));
             CompiledModel a = sm.compile(QuantizationPlan.EMPTY, Set.of());
             CompiledModel b = pb.compile(QuantizationPlan.EMPTY, Set.of())) {
            assertEquals(List.of("input"), a.inputNames(), "signature keys name the inputs");
            assertEquals(List.of("logits"), a.outputNames());
            assertEquals(List.of("logits"), b.outputNames(), "option outputs picks the frozen output");
            assertEquals(4, sm.quantizableNodes().size(), "LeNet: 2 Conv2D + 2 MatMul");
            assertEquals(sm.quantizableNodes().stream().map(QuantizableNode::id).toList(), pb.quantizableNodes().stream().map(QuantizableNode::id).toList());
            Map<String, Tensor> mnist = TfMinMaxPlanner.batch(sm, MnistFixture.read("test", Integer.MAX_VALUE, 28, 28, 1), 0, 16);
            assertArrayEquals(a.infer(mnist).get("logits").floats(), b.infer(mnist).get("logits").floats(), 1e-5f);
        }
    }

    @Test
    void batchNormAfterABiasedConvolutionIsFoldedIntoItsWeightAndBias() {
        Path pb = TfTestModels.biasedConvBatchNormGraph(tempDir.resolve("biased_bn.pb"));
        Tensor batch = gaussianImages(5);
        float[] plain = TfTestModels.runFrozenPlain(pb, batch);
        try (Model m = backend.load(pb, Map.of()); CompiledModel c = m.compile(QuantizationPlan.EMPTY, Set.of())) {
            QuantizableNode conv = m.quantizableNodes().get(0);
            assertEquals("conv/Conv2D", conv.id());
            assertEquals("conv/BiasAdd:0", conv.outputName(), "Mul and AddV2 folded into the conv's weight and BiasAdd");
            assertEquals(List.of("bn/Relu:0"), conv.activationOutputs(), "the Relu now follows the conv's bias directly");
            assertArrayEquals(plain, c.infer(Map.of("x", batch)).get("logits").floats(), 1e-5f, "folding keeps the FP32 outputs");
        }
    }

    @Test
    void batchNormsAreFoldedIntoWeightsAndBiases() {
        Path pb = TfTestModels.batchNormGraph(tempDir.resolve("bn.pb"));
        Tensor batch = gaussianImages(3);
        float[] plain = TfTestModels.runFrozenPlain(pb, batch);
        try (Model m = backend.load(pb, Map.of()); CompiledModel c = m.compile(QuantizationPlan.EMPTY, Set.of())) {
            List<QuantizableNode> nodes = m.quantizableNodes();
            assertEquals(List.of("conv/Conv2D", "dw/depthwise", "gap/Mean", "fc/MatMul"), nodes.stream().map(QuantizableNode::id).toList());
            assertTrue(nodes.get(0).hasBias(), "FusedBatchNormV3 became the conv's bias");
            assertEquals("bn/FusedBatchNormV3:0", nodes.get(0).outputName());
            assertTrue(nodes.get(1).hasBias(), "Mul + AddV2 became the depthwise scale and bias");
            assertEquals("bn2/add:0", nodes.get(1).outputName());
            assertEquals(List.of("bn2/Relu6:0"), nodes.get(1).activationOutputs());
            assertArrayEquals(plain, c.infer(Map.of("x", batch)).get("logits").floats(), 1e-5f, "folding keeps the FP32 outputs");
            float[] shift = new float[4];
            shift[1] = 0.5f;
            try (CompiledModel shifted = m.compile(QuantizationPlan.builder().biasShift("conv/Conv2D", shift).build(), Set.of("bn/FusedBatchNormV3:0"))) {
                float[] out = shifted.infer(Map.of("x", batch)).get("bn/FusedBatchNormV3:0").floats();
                try (CompiledModel base = m.compile(QuantizationPlan.EMPTY, Set.of("bn/FusedBatchNormV3:0"))) {
                    float[] ref = base.infer(Map.of("x", batch)).get("bn/FusedBatchNormV3:0").floats();
                    for (int i = 0; i < out.length; i++) {
                        assertEquals(ref[i] + shift[i % 4], out[i], 1e-5f, "bias shift on the folded batch norm");
                    }
                }
            }
        }
    }

    @Test
    void capabilitiesAreHonest() {
        Set<BackendCapability> caps = backend.capabilities();
        assertTrue(caps.contains(BackendCapability.INT8_WEIGHT_STORAGE));
        assertTrue(caps.contains(BackendCapability.ASYMMETRIC_ACTIVATIONS));
        assertEquals(TfInt8Kernels.probe().conv(), caps.contains(BackendCapability.INT8_KERNELS),
                "INT8_KERNELS is claimed exactly when the int8 convolution kernel runs: " + TfInt8Kernels.probe().evidence());
        assertEquals(TfCpuFeatures.u8s8Saturates(), caps.contains(BackendCapability.SATURATING_INT8_KERNELS));
    }

    @Test
    void acceptsSavedModelFoldersAndPbFiles() throws IOException {
        assertTrue(backend.accepts(savedModel));
        assertTrue(backend.accepts(frozen));
        assertFalse(backend.accepts(Files.createDirectories(tempDir.resolve("empty"))));
        assertFalse(backend.accepts(MnistFixture.examples().resolve("mnist-lenet").resolve("lenet.onnx")));
    }

    // ------------------------------------------------------------------ plans

    @Test
    void biasShiftIsAddedToTheBias() {
        float[] shift = new float[10];
        shift[0] = 1f;
        shift[9] = -0.5f;
        QuantizationPlan plan = QuantizationPlan.builder().biasShift("fc/MatMul", shift).build();
        try (Model m = backend.load(savedModel, Map.of());
             CompiledModel fp32 = m.compile(QuantizationPlan.EMPTY, Set.of());
             CompiledModel shifted = m.compile(plan, Set.of())) {
            float[] a = fp32.infer(batch).get("logits").floats();
            float[] b = shifted.infer(batch).get("logits").floats();
            for (int i = 0; i < a.length; i++) {
                float expected = a[i] + shift[i % 10];
                assertEquals(expected, b[i], 1e-5f, "logit " + i);
            }
        }
    }

    @Test
    void revertedNodeKeepsFp32WeightsAndItsOwnActivationQuantizers() {
        try (Model m = backend.load(savedModel, Map.of())) {
            QuantizationPlan all = TfMinMaxPlanner.plan(m, TfTestModels.dataset());
            QuantizationPlan reverted = all.toBuilder().fp32Node("conv1/Conv2D").build();
            Set<String> tap = Set.of("conv1/BiasAdd:0");
            try (CompiledModel fp32 = m.compile(QuantizationPlan.EMPTY, tap);
                 CompiledModel q = m.compile(all, tap);
                 CompiledModel r = m.compile(reverted, tap)) {
                Map<String, Tensor> f = fp32.infer(batch);
                Map<String, Tensor> qq = q.infer(batch);
                Map<String, Tensor> rr = r.infer(batch);
                assertArrayEquals(f.get("conv1/BiasAdd:0").floats(), rr.get("conv1/BiasAdd:0").floats(), 1e-6f,
                        "reverted conv1 computes in FP32 (weight and input quantizer gone)");
                assertNotEquals(0.0, maxDiff(f.get("conv1/BiasAdd:0"), qq.get("conv1/BiasAdd:0")), "quantized conv1 differs");
                assertNotEquals(0.0, maxDiff(f.get("logits"), rr.get("logits")), "the other nodes stay quantized");
            }
        }
    }

    @Test
    void quantizedOutputKeepsItsNameInASavedFrozenGraph() {
        ActivationQuantizer q = new ActivationQuantizer(8, true, 0.25f, 0);
        QuantizationPlan plan = QuantizationPlan.builder().activation("logits:0", q).build();
        Path target = tempDir.resolve("fq_out.pb");
        try (Model m = backend.load(frozen, Map.of()); CompiledModel c = m.compile(plan, Set.of("logits:0"))) {
            Map<String, Tensor> out = c.infer(Map.of("x", batch.get("input")));
            for (float v : out.get("logits").floats()) {
                assertEquals(0.0, Math.IEEEremainder(v, 0.25), 1e-5, "output " + v + " is on the 0.25 grid");
            }
            assertNotEquals(0.0, maxDiff(out.get("logits"), out.get("logits:0")), "extra output is the value before FakeQuant");
            m.save(plan, target);
            try (Model again = backend.load(target, Map.of()); CompiledModel c2 = again.compile(QuantizationPlan.EMPTY, Set.of())) {
                assertEquals("logits", again.outputs().get(0).name(), "the FakeQuant node took the output's name");
                assertArrayEquals(out.get("logits").floats(), c2.infer(Map.of("x", batch.get("input"))).get("logits").floats(), 1e-6f);
            }
        }
    }

    @Test
    void fakeQuantOutputStoresInt8WeightsAndFakeQuantActivations() throws IOException {
        Path target = tempDir.resolve("int8_cnn");
        try (Model m = backend.load(savedModel, Map.of("output", "fake_quant"))) {
            QuantizationPlan plan = TfMinMaxPlanner.plan(m, TfTestModels.dataset()).toBuilder().metadata("preset", "performance").build();
            m.save(plan, target);
            GraphDef g = SavedModel.parseFrom(Files.readAllBytes(target.resolve("saved_model.pb"))).getMetaGraphs(0).getGraphDef();
            long int8 = g.getNodeList().stream().filter(n -> n.getOp().equals("Const")
                    && n.getAttrMap().get("dtype").getType() == DataType.DT_INT8).count();
            long fakeQuant = g.getNodeList().stream().filter(n -> n.getOp().equals("FakeQuantWithMinMaxVars")).count();
            long floatWeightBytes = g.getNodeList().stream().filter(n -> n.getOp().equals("Const")
                    && n.getAttrMap().get("dtype").getType() == DataType.DT_FLOAT)
                    .mapToLong(n -> n.getAttrMap().get("value").getTensor().getTensorContent().size()).sum();
            assertEquals(4, int8, "one INT8 constant per quantized weight");
            assertEquals(plan.activations().size(), fakeQuant, "one FakeQuant per activation quantizer");
            assertTrue(floatWeightBytes < 1000, "FP32 weights left in the graph: " + floatWeightBytes + " bytes (scales and biases only expected)");
            assertTrue(Files.readString(target.resolve("assets.extra").resolve("pot4j.json")).contains("\"preset\": \"performance\""));
        }
    }

    @Test
    void savingOverAnEarlierSavedModelReplacesIt() {
        Path target = tempDir.resolve("replace_me");
        // fake_quant output: its reloaded graph still has the float convolutions the analyzer lists
        try (Model m = backend.load(savedModel, Map.of("output", "fake_quant"))) {
            m.save(QuantizationPlan.EMPTY, target);
            m.save(TfMinMaxPlanner.plan(m, TfTestModels.dataset()), target);
            try (Model again = backend.load(target, Map.of())) {
                assertEquals(4, again.quantizableNodes().stream().filter(QuantizableNode::hasWeight).count(),
                        "the reloaded INT8 model still shows its weighted nodes");
                assertTrue(again.sizeOnDisk() < m.sizeOnDisk(), "the second (INT8) save replaced the FP32 one");
            }
        }
    }

    @Test
    void planThatDoesNotFitTheModelFailsBeforeWritingAnything() throws IOException {
        Path dir = Files.createDirectories(tempDir.resolve("no-write"));
        try (Model m = backend.load(savedModel, Map.of())) {
            QuantizationPlan wrongScales = QuantizationPlan.builder()
                    .weight("conv1/Conv2D", new WeightQuantizer(8, 3, new float[] {0.1f, 0.1f}, new int[2], true)).build();
            Pot4jException e = assertThrows(Pot4jException.class, () -> m.save(wrongScales, dir.resolve("out")));
            assertEquals(ErrorCode.CONFIG_INVALID, e.code());
            assertTrue(e.getMessage().contains("conv1/Conv2D"), e.getMessage());
            QuantizationPlan unknownTensor = QuantizationPlan.builder()
                    .activation("no/such/tensor:0", new ActivationQuantizer(8, false, 0.1f, 0)).build();
            e = assertThrows(Pot4jException.class, () -> m.compile(unknownTensor, Set.of()));
            assertEquals(ErrorCode.CONFIG_INVALID, e.code());
            assertTrue(e.getMessage().contains("no/such/tensor:0"), e.getMessage());
            e = assertThrows(Pot4jException.class, () -> m.save(QuantizationPlan.builder().biasShift("conv1/Conv2D", new float[3]).build(),
                    dir.resolve("out")));
            assertEquals(ErrorCode.CONFIG_INVALID, e.code());
        }
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(List.of(), left.toList());
        }
    }

    // ------------------------------------------------------------------ bad input

    @Test
    void folderWithoutSavedModelPbIsCorrupt() throws IOException {
        Path dir = Files.createDirectories(tempDir.resolve("not_a_model").resolve("variables"));
        Pot4jException e = assertThrows(Pot4jException.class, () -> backend.load(dir.getParent(), Map.of()));
        assertEquals(ErrorCode.MODEL_CORRUPT, e.code());
        assertTrue(e.getMessage().contains("not_a_model") && e.getMessage().contains("saved_model.pb"), e.getMessage());
    }

    @Test
    void missingPathIsFileNotFound() {
        Pot4jException e = assertThrows(Pot4jException.class, () -> backend.load(tempDir.resolve("nowhere"), Map.of()));
        assertEquals(ErrorCode.FILE_NOT_FOUND, e.code());
    }

    @Test
    void missingSignatureListsTheAvailableOnes() {
        Pot4jException e = assertThrows(Pot4jException.class, () -> backend.load(savedModel, Map.of("signature", "predict")));
        assertEquals(ErrorCode.MODEL_UNSUPPORTED, e.code());
        assertTrue(e.getMessage().contains("'predict'") && e.getMessage().contains("[serving_default]"), e.getMessage());
        e = assertThrows(Pot4jException.class, () -> backend.load(savedModel, Map.of("tags", List.of("gpu"))));
        assertEquals(ErrorCode.MODEL_UNSUPPORTED, e.code());
        assertTrue(e.getMessage().contains("[serve]"), e.getMessage());
    }

    @Test
    void unknownOptionIsRejectedWithTheValidNames() {
        Pot4jException e = assertThrows(Pot4jException.class, () -> backend.load(savedModel, Map.of("signatur", "x")));
        assertEquals(ErrorCode.CONFIG_UNKNOWN_KEY, e.code());
        assertTrue(e.getMessage().contains("signature"), e.getMessage());
        e = assertThrows(Pot4jException.class, () -> backend.load(frozen, Map.of("outputs", List.of("nope"))));
        assertEquals(ErrorCode.CONFIG_INVALID, e.code());
        assertTrue(e.getMessage().contains("nope") && e.getMessage().contains("logits"), e.getMessage());
    }

    @Test
    void variablesThatFailToRestoreAreReported() throws IOException {
        Path noData = copy(savedModel, tempDir.resolve("no_data"));
        try (Stream<Path> s = Files.list(noData.resolve("variables"))) {
            for (Path p : s.filter(p -> p.getFileName().toString().startsWith("variables.data")).toList()) {
                Files.delete(p);
            }
        }
        Pot4jException e = assertThrows(Pot4jException.class, () -> backend.load(noData, Map.of()));
        assertEquals(ErrorCode.MODEL_CORRUPT, e.code());
        assertTrue(e.getMessage().contains("no_data") && e.getMessage().contains("variables"), e.getMessage());

        Path noVariables = copy(savedModel, tempDir.resolve("no_variables"));
        delete(noVariables.resolve("variables"));
        e = assertThrows(Pot4jException.class, () -> backend.load(noVariables, Map.of()));
        assertEquals(ErrorCode.MODEL_CORRUPT, e.code());
        assertTrue(e.getMessage().contains("failed to restore"), e.getMessage());

        // a Keras 3 SavedModel restores its served variables from the checkpoint by key: that path fails clearly too
        Path keras = copy(MnistFixture.examples().resolve("mnist-lenet").resolve("lenet_savedmodel"), tempDir.resolve("keras_no_variables"));
        delete(keras.resolve("variables"));
        e = assertThrows(Pot4jException.class, () -> backend.load(keras, Map.of()));
        assertEquals(ErrorCode.MODEL_CORRUPT, e.code());
        assertTrue(e.getMessage().contains("keras_no_variables") && e.getMessage().contains("variables"), e.getMessage());
    }

    @Test
    void unsupportedInputTypeIsReported() throws IOException {
        Path pb = tempDir.resolve("strings.pb");
        try (Graph g = new Graph()) {
            Ops tf = Ops.create(g);
            Placeholder<TString> text = tf.withName("text").placeholder(TString.class, Placeholder.shape(Shape.of(-1)));
            tf.withName("length").strings.stringLength(text);
            Files.write(pb, g.toGraphDef().toByteArray());
        }
        Pot4jException e = assertThrows(Pot4jException.class, () -> backend.load(pb, Map.of()));
        assertEquals(ErrorCode.MODEL_UNSUPPORTED, e.code());
        assertTrue(e.getMessage().contains("'text'") && e.getMessage().contains("string"), e.getMessage());
    }

    @Test
    void graphWithVariablesIsNotFrozen() throws IOException {
        Path pb = tempDir.resolve("unfrozen.pb");
        try (Graph g = new Graph()) {
            Ops tf = Ops.create(g);
            Placeholder<TFloat32> x = tf.withName("x").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 2)));
            tf.withName("y").linalg.matMul(x, tf.withName("w").variable(tf.constant(new float[][] {{1, 2}, {3, 4}})));
            Files.write(pb, g.toGraphDef().toByteArray());
        }
        Pot4jException e = assertThrows(Pot4jException.class, () -> backend.load(pb, Map.of()));
        assertEquals(ErrorCode.MODEL_UNSUPPORTED, e.code());
        assertTrue(e.getMessage().contains("not frozen"), e.getMessage());
    }

    @Test
    void inputsOfTheWrongTypeAreAShapeMismatch() {
        try (Model m = backend.load(savedModel, Map.of()); CompiledModel c = m.compile(QuantizationPlan.EMPTY, Set.of())) {
            Tensor ints = Tensor.ofInts(new long[] {1, 8, 8, 2}, new int[128]);
            Pot4jException e = assertThrows(Pot4jException.class, () -> c.infer(Map.of("input", ints)));
            assertEquals(ErrorCode.DATASET_SHAPE_MISMATCH, e.code());
            assertTrue(e.getMessage().contains("INT32"), e.getMessage());
        }
    }

    // ------------------------------------------------------------------ helpers

    /** Two 6x6x3 NHWC images of standard normal values from {@code seed}. */
    private static Tensor gaussianImages(long seed) {
        float[] x = new float[2 * 6 * 6 * 3];
        java.util.Random r = new java.util.Random(seed);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return Tensor.ofFloats(new long[] {2, 6, 6, 3}, x);
    }

    private static double maxDiff(Tensor a, Tensor b) {
        double d = 0;
        for (int i = 0; i < a.size(); i++) {
            d = Math.max(d, Math.abs(a.getDouble(i) - b.getDouble(i)));
        }
        return d;
    }

    private static Path copy(Path src, Path dst) throws IOException {
        try (Stream<Path> s = Files.walk(src)) {
            for (Path p : s.toList()) {
                Path q = dst.resolve(src.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(q);
                } else {
                    Files.copy(p, q);
                }
            }
        }
        return dst;
    }

    private static void delete(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path f : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }
}
