package org.pot4j.backend.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.Tensor;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.QuantizableNode;
import org.pot4j.api.quant.ActivationQuantizer;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.api.quant.WeightQuantizer;

/**
 * TorchScript specifics on the tiny traced CNN of {@code tools/djl/make_test_fixtures.py}: graph
 * view names, agreement with the outputs PyTorch itself computed, the rewrite (fake quantization,
 * bias shifts, asymmetric activations, INT8 storage) and the bad-input errors.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DjlTorchScriptTest {
    static final Path DIR = Path.of("src", "test", "resources", "djl");
    static final Path TINY = DIR.resolve("tiny_cnn.pt");

    @TempDir
    Path tmp;

    private DjlBackend backend;
    private Model model;
    private Tensor refInput;
    private float[] refOutput;

    @BeforeAll
    void load() throws IOException {
        backend = (DjlBackend) new DjlBackendProvider().create(null);
        model = backend.load(TINY);
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(DIR.resolve("tiny_cnn_ref.bin"))).order(ByteOrder.LITTLE_ENDIAN);
        float[] in = new float[2 * 784];
        refOutput = new float[20];
        b.asFloatBuffer().get(in).get(refOutput);
        refInput = Tensor.ofFloats(new long[] {2, 1, 28, 28}, in);
    }

    @AfterAll
    void close() {
        model.close();
        backend.close();
    }

    private Map<String, Tensor> run(Model m, QuantizationPlan plan, Set<String> taps) {
        try (CompiledModel c = m.compile(plan, taps)) {
            return c.infer(Map.of(m.inputs().get(0).name(), refInput));
        }
    }

    @Test
    void graphViewNamesModulesAndCallSites() {
        assertEquals("x", model.inputs().get(0).name());
        assertArrayEquals(new long[] {-1, 1, 28, 28}, model.inputs().get(0).shape(), "shape from traced_inputs.pkl");
        assertArrayEquals(new long[] {-1, 10}, model.outputs().get(0).shape(), "output shape from a probe run");
        List<QuantizableNode> all = model.quantizableNodes();
        // the ONNX backend's layout: residual Add and pooling are weightless nodes too
        assertEquals(List.of("stem.0", "block.conv1", "block.conv2", "block/input", "pool", "fc1", "fc2"),
                all.stream().map(QuantizableNode::id).toList());
        assertEquals(List.of("Conv2d", "Conv2d", "Conv2d", "Add", "AveragePool", "Linear", "Linear"),
                all.stream().map(QuantizableNode::opType).toList());
        QuantizableNode add = all.get(3);
        assertFalse(add.hasWeight());
        assertEquals(List.of("block.conv2", "stem.1"), add.activationInputs());
        assertEquals(List.of("block.relu#2"), add.activationOutputs(), "the Add's output after its only reader, a ReLU");
        List<QuantizableNode> nodes = all.stream().filter(QuantizableNode::hasWeight).toList();
        assertEquals(List.of("stem.1"), nodes.get(0).activationOutputs(), "conv output after its ReLU");
        assertEquals(List.of("block.conv2"), nodes.get(2).activationOutputs(), "conv output read by the Add");
        assertEquals(List.of(), nodes.get(3).activationOutputs(), "linear: input quantizer only");
        assertArrayEquals(new long[] {8, 1, 3, 3}, nodes.get(0).weightShape());
        assertArrayEquals(new long[] {32, 128}, nodes.get(3).weightShape());
        assertEquals("block.conv2.weight", nodes.get(2).weightName());
        assertFalse(nodes.get(2).hasBias(), "conv2 was built with bias=False");
        // activations: model input, Sequential's ReLU output, first call of the shared ReLU module
        assertEquals(List.of("x"), nodes.get(0).activationInputs());
        assertEquals(List.of("stem.1"), nodes.get(1).activationInputs());
        assertEquals(List.of("block.relu"), nodes.get(2).activationInputs());
        assertEquals("block.conv1", nodes.get(1).outputName());
        assertEquals(nodes.get(0).weightShape()[0], model.bias(nodes.get(0)).size());
    }

    @Test
    void fp32OutputsMatchWhatPyTorchComputed() {
        float[] got = run(model, QuantizationPlan.EMPTY, Set.of()).get("output").floats();
        for (int i = 0; i < got.length; i++) {
            assertEquals(refOutput[i], got[i], 1e-5, "logit " + i);
        }
    }

    @Test
    void inlinedForwardWithTapsComputesTheSameOutputs() {
        Set<String> taps = new LinkedHashSet<>(List.of("block.relu#2", "block/input", "stem.0"));
        Map<String, Tensor> got = run(model, QuantizationPlan.EMPTY, taps);
        assertEquals(List.of("output", "block.relu#2", "block/input", "stem.0"), List.copyOf(got.keySet()));
        assertEquals(List.of("output", "x"), List.copyOf(run(model, QuantizationPlan.EMPTY, Set.of("output", "x")).keySet()),
                "a model output asked for as a tap is not returned twice");
        assertArrayEquals(run(model, QuantizationPlan.EMPTY, Set.of()).get("output").floats(), got.get("output").floats());
        // the second ReLU call is relu(residual sum): check the tap relation element-wise
        float[] sum = got.get("block/input").floats();
        float[] relu = got.get("block.relu#2").floats();
        for (int i = 0; i < sum.length; i++) {
            assertEquals(Math.max(0, sum[i]), relu[i], 0f);
        }
        assertArrayEquals(new long[] {2, 8, 14, 14}, got.get("stem.0").shape());
    }

    @Test
    void unknownTapOrTensorIsAConfigError() {
        Pot4jException e = assertThrows(Pot4jException.class, () -> model.compile(QuantizationPlan.EMPTY, Set.of("nope")));
        assertEquals(ErrorCode.CONFIG_INVALID, e.code());
        assertTrue(e.getMessage().contains("'nope'"), e.getMessage());
        QuantizationPlan bad = QuantizationPlan.builder().activation("nope", new ActivationQuantizer(8, false, 0.1f, 0)).build();
        assertEquals(ErrorCode.CONFIG_INVALID, assertThrows(Pot4jException.class, () -> model.compile(bad, Set.of())).code());
    }

    @Test
    void activationFakeQuantizationRoundsToTheGrid() {
        ActivationQuantizer aq = new ActivationQuantizer(8, true, 0.05f, 3); // signed, asymmetric
        QuantizationPlan plan = QuantizationPlan.builder().activation("input0", aq).build();
        Map<String, Tensor> fp = run(model, QuantizationPlan.EMPTY, Set.of("input0"));
        Map<String, Tensor> q = run(model, plan, Set.of("input0"));
        // the tap is the value before quantization
        assertArrayEquals(fp.get("input0").floats(), q.get("input0").floats());
        // fc2 on the fake-quantized input, computed by hand, is what the rewritten model returns
        QuantizableNode fc2 = node("fc2");
        float[] w = model.weight(fc2).floats();
        float[] b = model.bias(fc2).floats();
        float[] in = fp.get("input0").floats();
        float[] got = q.get("output").floats();
        for (int n = 0; n < 2; n++) {
            for (int o = 0; o < 10; o++) {
                double acc = b[o];
                for (int i = 0; i < 32; i++) {
                    acc += aq.fakeQuantize(in[n * 32 + i]) * w[o * 32 + i];
                }
                assertEquals(acc, got[n * 10 + o], 1e-4, "logit " + o);
            }
        }
        assertFalse(Arrays.equals(fp.get("output").floats(), got));
    }

    @Test
    void biasShiftIsAddedToTheBias() {
        float[] shift = new float[10];
        shift[3] = 1.5f;
        QuantizationPlan plan = QuantizationPlan.builder().biasShift("fc2", shift).build();
        float[] base = run(model, QuantizationPlan.EMPTY, Set.of()).get("output").floats();
        float[] got = run(model, plan, Set.of()).get("output").floats();
        for (int i = 0; i < got.length; i++) {
            assertEquals(base[i] + (i % 10 == 3 ? 1.5f : 0f), got[i], 1e-5, "logit " + i);
        }
    }

    @Test
    void weightFakeQuantizationMatchesTheQuantizer() {
        QuantizableNode fc2 = node("fc2");
        WeightQuantizer q = perChannel(model.weight(fc2));
        QuantizationPlan plan = QuantizationPlan.builder().weight("fc2", q).build();
        Map<String, Tensor> fp = run(model, QuantizationPlan.EMPTY, Set.of("input0"));
        float[] got = run(model, plan, Set.of()).get("output").floats();
        float[] w = model.weight(fc2).floats();
        float[] b = model.bias(fc2).floats();
        float[] in = fp.get("input0").floats();
        for (int n = 0; n < 2; n++) {
            for (int o = 0; o < 10; o++) {
                double acc = b[o];
                for (int i = 0; i < 32; i++) {
                    acc += in[n * 32 + i] * q.fakeQuantize(w[o * 32 + i], o);
                }
                assertEquals(acc, got[n * 10 + o], 1e-4, "logit " + o);
            }
        }
    }

    @Test
    void savedInt8ModelReproducesCompileExactly() throws IOException {
        QuantizationPlan.Builder b = QuantizationPlan.builder();
        for (QuantizableNode n : model.quantizableNodes()) {
            if (n.hasWeight()) {
                b.weight(n.id(), perChannel(model.weight(n)));
            }
        }
        b.activation("x", new ActivationQuantizer(8, false, 1f / 255, 0));
        b.activation("block.relu", new ActivationQuantizer(8, true, 0.02f, -5)); // asymmetric
        QuantizationPlan plan = b.build();
        Path out = tmp.resolve("sub").resolve("tiny_int8.pt");
        try (Model fakeQuant = backend.load(TINY, DjlLoadOptions.output("fake_quant"))) {
            fakeQuant.save(plan, out);
        }
        TorchScriptArchive saved = TorchScriptArchive.read(out);
        assertTrue(saved.text("code/__torch__.py").contains("torch.fake_quantize_per_tensor_affine(x, "));
        assertTrue(new String(saved.get("data.pkl"), java.nio.charset.StandardCharsets.ISO_8859_1).contains("CharStorage"),
                "weights stored as int8");
        try (Model reloaded = backend.load(out)) {
            assertArrayEquals(run(model, plan, Set.of()).get("output").floats(),
                    run(reloaded, QuantizationPlan.EMPTY, Set.of()).get("output").floats());
        }
    }

    @Test
    void fp32NodesKeepTheirWeights() {
        QuantizationPlan.Builder b = QuantizationPlan.builder();
        for (QuantizableNode n : model.quantizableNodes()) {
            if (n.hasWeight()) {
                b.weight(n.id(), perChannel(model.weight(n)));
            }
        }
        float[] all = run(model, b.build(), Set.of()).get("output").floats();
        float[] fc2Only = run(model, b.fp32Node("stem.0").fp32Node("block.conv1").fp32Node("block.conv2").fp32Node("fc1")
                .build(), Set.of()).get("output").floats();
        float[] expected = run(model, QuantizationPlan.builder().weight("fc2", perChannel(model.weight(node("fc2"))))
                .build(), Set.of()).get("output").floats();
        assertArrayEquals(expected, fc2Only);
        assertFalse(Arrays.equals(all, fc2Only));
    }

    @Test
    void stateDictIsRejectedWithAnExportHint() {
        Path sd = DIR.resolve("tiny_state_dict.pt");
        assertFalse(backend.accepts(sd));
        Pot4jException e = assertThrows(Pot4jException.class, () -> backend.load(sd));
        assertEquals(ErrorCode.MODEL_UNSUPPORTED, e.code());
        assertEquals("tiny_state_dict.pt is a state_dict, not TorchScript; export with torch.jit.trace/script", e.getMessage());
    }

    @Test
    void threadOptionSetsLibtorchIntraOpThreads() {
        int before = ai.djl.pytorch.jni.JniUtils.getNumThreads();
        try {
            try (Model m = backend.load(TINY, new DjlLoadOptions(null, null, null, null, null, 1, 3))) {
                assertEquals(1, ai.djl.pytorch.jni.JniUtils.getNumThreads());
            }
            try (Model m = backend.load(TINY, new DjlLoadOptions(null, null, null, null, null, null, 2))) {
                assertEquals(2, ai.djl.pytorch.jni.JniUtils.getNumThreads());
            }
        } finally {
            ai.djl.pytorch.jni.JniUtils.setNumThreads(before);
        }
    }

    @Test
    void eagerPickleIsRejectedNamingItsClass() {
        Path eager = DIR.resolve("tiny_eager.pt");
        assertFalse(backend.accepts(eager));
        Pot4jException e = assertThrows(Pot4jException.class, () -> backend.load(eager));
        assertEquals(ErrorCode.MODEL_UNSUPPORTED, e.code());
        assertTrue(e.getMessage().startsWith("tiny_eager.pt is an eager torch.save pickle of a make_test_fixtures.Branchy"
                + " object, not TorchScript"), e.getMessage());
        assertTrue(e.getMessage().contains("torch.jit.trace"), e.getMessage());
    }

    @Test
    void randomZipNamedPtIsNotTorchScript() throws IOException {
        Path zip = tmp.resolve("model.pt");
        try (java.util.zip.ZipOutputStream out = new java.util.zip.ZipOutputStream(Files.newOutputStream(zip))) {
            out.putNextEntry(new java.util.zip.ZipEntry("photos/cat.jpg"));
            out.write(new byte[] {1, 2, 3});
            out.closeEntry();
        }
        assertFalse(backend.accepts(zip));
        Pot4jException e = assertThrows(Pot4jException.class, () -> backend.load(zip));
        assertEquals(ErrorCode.MODEL_UNSUPPORTED, e.code());
        assertTrue(e.getMessage().startsWith("model.pt is a zip file but not a PyTorch archive"), e.getMessage());
        assertTrue(e.getMessage().contains("cat.jpg") && e.getMessage().contains("torch.jit.trace"), e.getMessage());
    }

    @Test
    void modelWhoseLayersAllRunInLoopsCannotBeQuantized() {
        Path looped = DIR.resolve("tiny_scripted_loop.pt");
        try (Model m = backend.load(looped, DjlLoadOptions.inputShapes(List.of(List.of(-1, 4))))) {
            assertEquals(List.of(), m.quantizableNodes());
            Path out = tmp.resolve("looped_int8.pt");
            Pot4jException e = assertThrows(Pot4jException.class, () -> m.save(QuantizationPlan.EMPTY, out));
            assertEquals(ErrorCode.MODEL_UNSUPPORTED, e.code());
            assertTrue(e.getMessage().contains("[torch.linear] run inside scripted control flow"), e.getMessage());
            assertTrue(e.getMessage().contains("torch.jit.trace"), e.getMessage());
            assertFalse(Files.exists(out));
        }
    }

    @Test
    void scriptedModelWithControlFlowRunsAndQuantizes() throws IOException {
        Path scripted = DIR.resolve("tiny_scripted.pt");
        assertTrue(backend.accepts(scripted));
        try (Model inferred = backend.load(scripted)) {
            assertArrayEquals(new long[] {-1, 1, -1, -1}, inferred.inputs().get(0).shape(), "scripted archives record no shape");
        }
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(DIR.resolve("tiny_scripted_ref.bin"))).order(ByteOrder.LITTLE_ENDIAN);
        float[] in = new float[2 * 784];
        float[] ref = new float[20];
        b.asFloatBuffer().get(in).get(ref);
        DjlLoadOptions options = DjlLoadOptions.inputShapes(Map.of("x", List.of(-1, 1, 28, 28)));
        try (Model m = backend.load(scripted, options)) {
            // BatchNorm's scripted forward has if blocks (training flag): copied, not a node
            assertEquals(List.of("conv", "fc"), m.quantizableNodes().stream().map(QuantizableNode::id).toList());
            Map<String, Tensor> feed = Map.of("x", Tensor.ofFloats(new long[] {2, 1, 28, 28}, in));
            Set<String> taps = new LinkedHashSet<>();
            m.quantizableNodes().forEach(n -> {
                taps.addAll(n.activationInputs());
                taps.add(n.outputName());
            });
            QuantizationPlan.Builder plan = QuantizationPlan.builder();
            try (CompiledModel c = m.compile(QuantizationPlan.EMPTY, taps)) {
                Map<String, Tensor> out = c.infer(feed);
                assertArrayEquals(ref, out.get("output").floats(), 1e-5f, "PyTorch's own outputs");
                for (String t : taps) {
                    assertEquals(2, out.get(t).dim(0), t);
                }
                for (QuantizableNode n : m.quantizableNodes()) {
                    plan.weight(n.id(), perChannel(m.weight(n)));
                    String t = n.activationInputs().get(0);
                    float max = 1e-6f;
                    for (float v : out.get(t).floats()) {
                        max = Math.max(max, Math.abs(v));
                    }
                    plan.activation(t, new ActivationQuantizer(8, true, max / 127, 0));
                }
            }
            Path saved = tmp.resolve("scripted_int8.pt");
            m.save(plan.build(), saved);
            try (CompiledModel c = m.compile(plan.build(), Set.of()); Model again = backend.load(saved, options);
                 CompiledModel c2 = again.compile(QuantizationPlan.EMPTY, Set.of())) {
                float[] q = c.infer(feed).get("output").floats();
                // the saved file runs on integer kernels where the plan allows, float elsewhere
                assertArrayEquals(q, c2.infer(feed).get("output").floats(), 0.02f);
                assertFalse(Arrays.equals(ref, q));
                assertArrayEquals(ref, q, 0.1f);
            }
        }
    }

    @Test
    void opsInsideDataDependentBranchesAreNotNodes() {
        Path branchy = DIR.resolve("tiny_scripted_if.pt");
        Pot4jException e = assertThrows(Pot4jException.class, () -> backend.load(branchy));
        assertEquals(ErrorCode.CONFIG_INVALID, e.code(), "no node reads the input directly: " + e.getMessage());
        assertTrue(e.getMessage().contains("input_shapes"), e.getMessage());
        try (Model m = backend.load(branchy, DjlLoadOptions.inputShapes(List.of(List.of(-1, 4))))) {
            assertEquals(List.of(), m.quantizableNodes(), "the Linear runs inside if/else: no place for a quantizer");
            try (CompiledModel c = m.compile(QuantizationPlan.EMPTY, Set.of("x"))) {
                // forward is fc(x) when x.sum() > 0, else fc(-x): x and -x give the same output
                float[] pos = c.infer(Map.of("x", Tensor.ofFloats(new long[] {1, 4}, new float[] {1, 2, 3, 4})))
                        .get("output").floats();
                float[] neg = c.infer(Map.of("x", Tensor.ofFloats(new long[] {1, 4}, new float[] {-1, -2, -3, -4})))
                        .get("output").floats();
                assertEquals(2, pos.length);
                assertArrayEquals(pos, neg, 1e-6f);
            }
        }
    }

    @Test
    void acceptsOnlyTorchScriptArchives() throws IOException {
        assertTrue(backend.accepts(TINY));
        Path onnx = Path.of("..", "examples", "mnist-lenet", "lenet.onnx");
        assertFalse(backend.accepts(onnx));
        Path renamed = Files.copy(TINY, tmp.resolve("tiny.zip"));
        assertFalse(backend.accepts(renamed), "extension must be .pt or .pth");
        assertTrue(backend.accepts(Files.copy(TINY, tmp.resolve("tiny.pth"))));
    }

    @Test
    void missingFileIsFileNotFound() {
        Pot4jException e = assertThrows(Pot4jException.class, () -> backend.load(tmp.resolve("absent.pt")));
        assertEquals(ErrorCode.FILE_NOT_FOUND, e.code());
        assertTrue(e.getMessage().contains("absent.pt"));
    }

    @Test
    void inputShapesComeFromOptionsOrSidecarWhenTheArchiveHasNone() throws IOException {
        TorchScriptArchive a = TorchScriptArchive.read(TINY);
        a.remove("traced_inputs.pkl");
        Path bare = tmp.resolve("bare.pt");
        Files.write(bare, a.toZip());
        try (Model m = backend.load(bare)) {
            assertArrayEquals(new long[] {-1, 1, -1, -1}, m.inputs().get(0).shape(), "rank and channels from stem.0's weight");
            assertArrayEquals(refOutput, run(m, QuantizationPlan.EMPTY, Set.of()).get("output").floats(), 1e-5f);
        }
        try (Model m = backend.load(bare, new DjlLoadOptions(List.of("input"),
                Map.of("input", List.of(-1, 1, 28, 28)), null, List.of("logits"), null, null, null))) {
            assertEquals("input", m.inputs().get(0).name());
            assertEquals("logits", m.outputs().get(0).name());
            assertArrayEquals(new long[] {-1, 1, 28, 28}, m.inputs().get(0).shape());
            Path saved = tmp.resolve("renamed.pt");
            m.save(QuantizationPlan.EMPTY, saved);
            try (Model again = backend.load(saved)) {
                assertEquals(m.inputs(), again.inputs(), "save records names and shapes in the archive");
                assertEquals(m.outputs(), again.outputs());
            }
        }
        Files.writeString(tmp.resolve("bare.pt.json"), "{\"input_shapes\": {\"x\": [-1, 1, 28, 28]}}");
        try (Model m = backend.load(bare)) {
            assertArrayEquals(new long[] {-1, 1, 28, 28}, m.inputs().get(0).shape());
            assertArrayEquals(refOutput, run(m, QuantizationPlan.EMPTY, Set.of()).get("output").floats(), 1e-5f);
        }
    }

    @Test
    void pickleRoundTripKeepsTheModuleTree() throws IOException {
        TorchScriptArchive a = TorchScriptArchive.read(TINY);
        Object root = PickleReader.read(a.get("data.pkl"));
        Object again = PickleReader.read(PickleWriter.write(root));
        assertEquals(describe(root), describe(again));
        assertNotEquals("", describe(root));
    }

    private static String describe(Object o) {
        if (o instanceof Pickle.Obj obj) {
            StringBuilder sb = new StringBuilder(obj.cls.qualifiedName()).append('{');
            TorchTensorRecord.attributes(obj).forEach((k, v) -> sb.append(k).append('=').append(describe(v)).append(','));
            return sb.append('}').toString();
        }
        TorchTensorRecord t = TorchTensorRecord.of(o);
        return t != null ? t.toString() : String.valueOf(o);
    }

    private QuantizableNode node(String id) {
        return model.quantizableNodes().stream().filter(n -> n.id().equals(id)).findFirst().orElseThrow();
    }

    private static WeightQuantizer perChannel(Tensor w) {
        int channels = (int) w.dim(0);
        int per = w.size() / channels;
        float[] scales = new float[channels];
        for (int c = 0; c < channels; c++) {
            float max = 1e-8f;
            for (int i = 0; i < per; i++) {
                max = Math.max(max, Math.abs(w.floats()[c * per + i]));
            }
            scales[c] = max / 127;
        }
        return new WeightQuantizer(8, 0, scales, new int[channels], true);
    }
}
