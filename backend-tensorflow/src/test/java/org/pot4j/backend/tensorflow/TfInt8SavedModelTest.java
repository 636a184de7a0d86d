package org.pot4j.backend.tensorflow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pot4j.testkit.MnistFixture;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.ModelBackend;
import org.pot4j.api.model.QuantizableNode;
import org.pot4j.api.quant.QuantizationPlan;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SavedModel;

/**
 * The int8 SavedModels of the MNIST examples (issue 10): written with TensorFlow's oneDNN int8 ops,
 * they reload and run in TensorFlow Java, hold no float convolution or FakeQuant, are at most 0.3x
 * the FP32 size, and stay within 0.2 point of FP32 top-1 on the 2,000 committed test images.
 */
class TfInt8SavedModelTest {
    private static ModelBackend<TfLoadOptions> backend;
    private static Dataset test;
    private static Dataset calibration;

    @TempDir
    Path tempDir;

    @BeforeAll
    static void open() {
        backend = new TfBackendProvider().create(null);
        test = MnistFixture.read("test", Integer.MAX_VALUE, 28, 28, 1);
        calibration = MnistFixture.read("calibration", Integer.MAX_VALUE, 28, 28, 1);
    }

    @AfterAll
    static void close() {
        backend.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"mnist-lenet/lenet_savedmodel", "mnist-resnet/resnet_savedmodel"})
    void int8SavedModelRunsOnInt8KernelsWithinTwoTenthsOfAPoint(String fixture) throws IOException {
        Path path = MnistFixture.examples().resolve(fixture);
        try (Model model = backend.load(path)) {
            QuantizationPlan plan = TfMinMaxPlanner.plan(model, calibration);
            Path saved = tempDir.resolve("int8");
            model.save(plan, saved);
            Map<String, Integer> ops = opCounts(saved);
            long convs = model.quantizableNodes().stream().filter(n -> n.opType().equals("Conv2D")).count();
            long matMuls = model.quantizableNodes().stream().filter(n -> n.opType().equals("MatMul")).count();
            assertEquals(convs, (long) ops.getOrDefault("_FusedQuantizedConv2D", 0), fixture + " ops " + ops);
            assertEquals(matMuls, (long) ops.getOrDefault("_QuantizedMatMul", 0), fixture + " ops " + ops);
            for (String floatOp : new String[] {"Conv2D", "MatMul"}) {
                assertEquals(0, ops.getOrDefault(floatOp, 0), fixture + " still has " + floatOp + ": " + ops);
            }
            assertEquals(0, int8Constants(saved), fixture + ": weights are qint8 kernel constants, not int8 ones dequantized in float");
            // FakeQuant is left only on the outputs of the float residual adds (the plan quantizes them)
            assertTrue(ops.getOrDefault("FakeQuantWithMinMaxVars", 0) <= ops.getOrDefault("AddV2", 0), fixture + " ops " + ops);
            try (Model int8 = backend.load(saved);
                 CompiledModel fp32c = model.compile(QuantizationPlan.EMPTY, Set.of());
                 CompiledModel int8c = int8.compile(QuantizationPlan.EMPTY, Set.of())) {
                double fp32 = TfMinMaxPlanner.accuracy(model, fp32c, test);
                double acc = TfMinMaxPlanner.accuracy(int8, int8c, test);
                double size = (double) int8.sizeOnDisk() / model.sizeOnDisk();
                System.out.printf("%s int8 kernels: FP32 %.4f, INT8 %.4f, size %.3fx, ops %s%n", fixture, fp32, acc, size, ops);
                assertTrue(fp32 > 0.97, fixture + " FP32 accuracy " + fp32);
                assertTrue(fp32 - acc <= 0.002 + 1e-9, fixture + " INT8 top-1 " + acc + " vs FP32 " + fp32);
                assertTrue(size <= 0.3, fixture + " INT8/FP32 size " + size);
            }
        }
    }

    @Test
    void savingTwiceWritesTheSameBytes() throws IOException {
        Path path = MnistFixture.examples().resolve("mnist-lenet/lenet_savedmodel");
        try (Model model = backend.load(path)) {
            QuantizationPlan plan = TfMinMaxPlanner.plan(model, calibration.head(50));
            model.save(plan, tempDir.resolve("a"));
            model.save(plan, tempDir.resolve("b"));
            assertEquals(files(tempDir.resolve("a")).keySet(), files(tempDir.resolve("b")).keySet());
            for (Map.Entry<String, byte[]> e : files(tempDir.resolve("a")).entrySet()) {
                assertArrayEquals(e.getValue(), files(tempDir.resolve("b")).get(e.getKey()), e.getKey() + " differs between two saves");
            }
        }
    }

    @Test
    void fp32NodesOfThePlanStayFloatIslandsAndFakeQuantOutputIsStillThere() throws IOException {
        Path path = MnistFixture.examples().resolve("mnist-resnet/resnet_savedmodel");
        try (Model model = backend.load(path); Model fq = backend.load(path, TfLoadOptionsTest.FAKE_QUANT)) {
            QuantizationPlan plan = TfMinMaxPlanner.plan(model, calibration.head(100));
            QuantizableNode reverted = model.quantizableNodes().stream().filter(n -> n.opType().equals("Conv2D")).skip(2)
                    .findFirst().orElseThrow();
            QuantizationPlan mixed = plan.toBuilder().fp32Node(reverted.id()).build();
            model.save(mixed, tempDir.resolve("mixed"));
            Map<String, Integer> ops = opCounts(tempDir.resolve("mixed"));
            assertEquals(1, ops.getOrDefault("Conv2D", 0), "the reverted convolution runs in float: " + ops);
            long convs = model.quantizableNodes().stream().filter(n -> n.opType().equals("Conv2D")).count();
            assertEquals(convs - 1, (long) ops.getOrDefault("_FusedQuantizedConv2D", 0), ops.toString());
            Dataset few = test.head(500);
            try (Model again = backend.load(tempDir.resolve("mixed"));
                 CompiledModel c = again.compile(QuantizationPlan.EMPTY, Set.of());
                 CompiledModel f = model.compile(QuantizationPlan.EMPTY, Set.of())) {
                double acc = TfMinMaxPlanner.accuracy(again, c, few);
                double fp32 = TfMinMaxPlanner.accuracy(model, f, few);
                assertTrue(fp32 - acc <= 0.01, "mixed model top-1 " + acc + " vs FP32 " + fp32);
            }
            fq.save(plan, tempDir.resolve("fq"));
            Map<String, Integer> fqOps = opCounts(tempDir.resolve("fq"));
            assertTrue(fqOps.getOrDefault("FakeQuantWithMinMaxVars", 0) > 0, fqOps.toString());
            assertEquals(0, fqOps.getOrDefault("_FusedQuantizedConv2D", 0), fqOps.toString());
        }
    }

    /** Const nodes of type int8 (the fake-quant form's weights; the int8 kernels' weights are qint8). */
    static long int8Constants(Path savedModel) throws IOException {
        SavedModel sm = SavedModel.parseFrom(Files.readAllBytes(savedModel.resolve("saved_model.pb")));
        return sm.getMetaGraphs(0).getGraphDef().getNodeList().stream().filter(n -> n.getOp().equals("Const")
                && n.getAttrMap().get("dtype").getType() == org.tensorflow.proto.DataType.DT_INT8).count();
    }

    static Map<String, Integer> opCounts(Path savedModel) throws IOException {
        SavedModel sm = SavedModel.parseFrom(Files.readAllBytes(savedModel.resolve("saved_model.pb")));
        GraphDef g = sm.getMetaGraphs(0).getGraphDef();
        Map<String, Integer> out = new TreeMap<>();
        for (NodeDef n : g.getNodeList()) {
            out.merge(n.getOp(), 1, Integer::sum);
        }
        return out;
    }

    private static Map<String, byte[]> files(Path dir) throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        Set<Path> seen = new HashSet<>();
        try (var s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                if (seen.add(p)) {
                    out.put(dir.relativize(p).toString(), Files.readAllBytes(p));
                }
            }
        }
        return out;
    }
}
