package org.pot4j.backend.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.Tensor;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.ModelBackend;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.backend.onnx.proto.OnnxProtos.ModelProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.NodeProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.TensorProto;

/** Loading and saving: external data, opsets, options, and the errors a user can cause. */
class OnnxModelLoadingTest {
    @TempDir
    Path tmp;

    private ModelBackend<OnnxLoadOptions> backend;
    private final Map<String, Tensor> batch =
            OnnxResnetExampleTest.stack(OnnxTestData.randomImages(2, OnnxTestModels.SIDE, 9), 0, 2);

    @BeforeEach
    void create() {
        backend = new OnnxBackendProvider().create(null);
    }

    @AfterEach
    void close() {
        backend.close();
    }

    @Test
    void externalDataIsReadRelativeToTheModelFile() throws IOException {
        Path dir = tmp.resolve("external");
        Path file = dir.resolve("cnn.onnx");
        new OnnxModelWriter(0).write(OnnxTestModels.residualCnn(13, 8), file);
        assertTrue(Files.exists(dir.resolve("cnn.onnx.data")), "the writer put tensors in cnn.onnx.data");
        ModelProto raw = ModelProto.parseFrom(Files.readAllBytes(file));
        assertTrue(raw.getGraph().getInitializerList().stream()
                .anyMatch(t -> t.getDataLocation() == TensorProto.DataLocation.EXTERNAL));
        try (Model external = backend.load(file); Model inline = backend.load(OnnxFixtures.residualCnn())) {
            assertEquals(Files.size(file) + Files.size(dir.resolve("cnn.onnx.data")), external.sizeOnDisk());
            assertEquals(run(inline, QuantizationPlan.EMPTY), run(external, QuantizationPlan.EMPTY));
            QuantizationPlan plan = OnnxTestPlans.quantizeAll(external, batch);
            assertEquals(run(inline, plan), run(external, plan));
        }
    }

    @Test
    void largeModelsAreSavedWithExternalDataAndReloadTheSame() throws IOException {
        OnnxBackend small = new OnnxBackend(OnnxEnvironment.get().env(), null, 1024, OnnxEnvironment.get().sharedPool());
        Path target = tmp.resolve("saved").resolve("big.onnx");
        try (Model m = small.load(OnnxFixtures.residualCnn())) {
            m.save(QuantizationPlan.EMPTY, target);
            assertTrue(Files.exists(tmp.resolve("saved").resolve("big.onnx.data")));
            try (Model back = backend.load(target)) {
                assertEquals(run(m, QuantizationPlan.EMPTY), run(back, QuantizationPlan.EMPTY));
            }
            // ONNX Runtime reads the external-data layout on its own, too
            Map<String, Tensor> plain = OnnxFixtures.ortReference(target, batch);
            List<Float> viaOrt = new java.util.ArrayList<>();
            for (float f : plain.get("logits").floats()) {
                viaOrt.add(f);
            }
            assertEquals(run(m, QuantizationPlan.EMPTY), viaOrt);
        }
        try (Stream<Path> files = Files.list(target.getParent())) {
            assertEquals(Set.of("big.onnx", "big.onnx.data"),
                    files.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toSet()));
        }
    }

    @Test
    void missingExternalDataIsFileNotFound() throws IOException {
        Path file = tmp.resolve("lost").resolve("cnn.onnx");
        new OnnxModelWriter(0).write(OnnxTestModels.residualCnn(13, 8), file);
        Files.delete(file.resolveSibling("cnn.onnx.data"));
        Pot4jException e = assertThrows(Pot4jException.class, () -> backend.load(file));
        assertEquals(ErrorCode.FILE_NOT_FOUND, e.code());
        assertTrue(e.getMessage().contains("cnn.onnx.data"), e.getMessage());
    }

    @Test
    void opset11ModelsLoadRunAndQuantize() {
        Path file = OnnxFixtures.file("residual-cnn-opset11.onnx", OnnxTestModels.residualCnn(11, 8));
        try (Model m = backend.load(file)) {
            assertEquals(6, m.quantizableNodes().size());
            QuantizationPlan plan = OnnxTestPlans.quantizeAll(m, batch);
            ModelProto written = ((OnnxModel) m).applied(plan);
            assertTrue(written.getOpsetImportList().stream().anyMatch(o -> o.getDomain().equals("com.microsoft")));
            List<Float> fp32 = run(m, QuantizationPlan.EMPTY);
            List<Float> int8 = run(m, plan);
            assertFalse(fp32.equals(int8));
            for (int i = 0; i < fp32.size(); i++) {
                assertEquals(fp32.get(i), int8.get(i), 0.25, "logit " + i);
            }
        }
    }

    @Test
    void opsetsBelow11AreUnsupported() throws IOException {
        ModelProto m = OnnxTestModels.residualCnn(13, 8);
        ModelProto old = m.toBuilder().setOpsetImport(0, m.getOpsetImport(0).toBuilder().setVersion(9)).build();
        Path file = OnnxTestModels.write(old, tmp.resolve("old.onnx"));
        Pot4jException e = assertThrows(Pot4jException.class, () -> backend.load(file));
        assertEquals(ErrorCode.MODEL_UNSUPPORTED, e.code());
        assertTrue(e.getMessage().contains("opset 9"), e.getMessage());
    }

    @Test
    void aGraphReadingAnUndefinedTensorIsCorrupt() throws IOException {
        ModelProto m = OnnxTestModels.residualCnn(13, 8);
        var g = m.getGraph().toBuilder();
        NodeProto conv3 = g.getNode(g.getNodeCount() - 6);
        g.setNode(g.getNodeCount() - 6, conv3.toBuilder().setInput(0, "nowhere"));
        Path file = OnnxTestModels.write(m.toBuilder().setGraph(g).build(), tmp.resolve("broken.onnx"));
        Pot4jException e = assertThrows(Pot4jException.class, () -> backend.load(file));
        assertEquals(ErrorCode.MODEL_CORRUPT, e.code());
        assertTrue(e.getMessage().contains("nowhere") && e.getMessage().contains("broken.onnx"), e.getMessage());
    }

    @Test
    void aModelWithNothingToQuantizeLoadsRunsAndSaysSo() {
        Path file = OnnxFixtures.file("nothing-to-quantize.onnx", OnnxTestModels.nothingToQuantize());
        try (Model m = backend.load(file)) {
            assertEquals(2 * 144, run(m, QuantizationPlan.EMPTY).size());
            Pot4jException e = assertThrows(Pot4jException.class, m::quantizableNodes);
            assertEquals(ErrorCode.NO_QUANTIZABLE_NODES, e.code());
            assertTrue(e.getMessage().contains("nothing-to-quantize.onnx"), e.getMessage());
        }
    }

    @Test
    void emptyAndFolderPathsAreClearErrors() throws IOException {
        Path empty = Files.createFile(tmp.resolve("empty.onnx"));
        assertEquals(ErrorCode.MODEL_CORRUPT, assertThrows(Pot4jException.class, () -> backend.load(empty)).code());
        Path folder = Files.createDirectories(tmp.resolve("folder.onnx"));
        assertEquals(ErrorCode.FILE_NOT_FOUND, assertThrows(Pot4jException.class, () -> backend.load(folder)).code());
    }

    @Test
    void loadOptionsRecordOverridesTheSessionSettings() {
        // keys, types and ranges are the engine binder's (distribution's BackendOptionsBindingTest); the record checks the level
        assertThrows(IllegalArgumentException.class, () -> new OnnxLoadOptions(null, null, "max", null));
        assertEquals(OnnxLoadOptions.class, new OnnxBackendProvider().loadOptions());
        OnnxSessionSettings base = OnnxSessionSettings.defaults();
        assertEquals(base, base.with(OnnxLoadOptions.defaults()));
        assertEquals(base, base.with(null));
        OnnxSessionSettings both = base.with(new OnnxLoadOptions(3, 2, "Extended", "x.onnx"));
        assertEquals(3, both.intraOpThreads(), "intra_op_threads wins over the engine's threads");
        assertEquals(ai.onnxruntime.OrtSession.SessionOptions.OptLevel.EXTENDED_OPT, both.optimizationLevel());
        assertEquals("x.onnx", both.optimizedModelPath());
        assertEquals(2, base.with(new OnnxLoadOptions(null, 2, null, null)).intraOpThreads());
        Path file = OnnxFixtures.residualCnn();
        try (Model m = backend.load(file, new OnnxLoadOptions(1, null, "disabled", null))) {
            assertEquals(run(m, QuantizationPlan.EMPTY).size(), 20);
        }
    }

    @Test
    void providerAndBackendDescribeThemselves() {
        OnnxBackendProvider p = new OnnxBackendProvider();
        assertEquals("onnx", p.name());
        assertTrue(p.version().contains("onnxruntime 1.29.0"), p.version());
        assertTrue(backend.accepts(Path.of("a", "model.ONNX")));
        assertFalse(backend.accepts(Path.of("model.pb")));
    }

    private List<Float> run(Model m, QuantizationPlan plan) {
        try (CompiledModel c = m.compile(plan, Set.of())) {
            Tensor out = c.infer(batch).values().iterator().next();
            List<Float> values = new java.util.ArrayList<>();
            for (float f : out.floats()) {
                values.add(f);
            }
            return values;
        }
    }
}
