package org.pot4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.metric.Metric;
import org.pot4j.api.model.Model;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.api.quant.QuantizationResult;
import org.pot4j.engine.Pot4j;

/**
 * The same trained LeNet and ResNet as ONNX, Keras SavedModel and TorchScript, quantized through the one
 * engine with ONNX Runtime, TensorFlow and libtorch loaded together in this JVM: the backends must
 * agree on FP32 accuracy (within 0.1 point) and on DefaultQuantization accuracy (within 0.5 point),
 * the saved TensorFlow and TorchScript INT8 models must reload and reproduce the engine's accuracy
 * (within 0.1 point), and AccuracyAware must meet on TensorFlow a drop DefaultQuantization misses.
 *
 * <p>Runs in the {@code cross-backend} surefire execution, the one that keeps the provided
 * TensorFlow and DJL backends on the test class path; elsewhere it is skipped.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CrossBackendMnistTest {
    private static final String LENET_SAVED_MODEL = "mnist-lenet/lenet_savedmodel";
    private static final Map<String, Object> DEFAULT_PARAMS = Map.of("preset", "performance", "stat_subset_size", 300);

    private Pot4j pot4j;
    private Supplier<Metric> accuracy;
    private final Map<String, Model> models = new ConcurrentHashMap<>();
    private final Map<String, Quantized> quantized = new ConcurrentHashMap<>();

    @TempDir
    Path tmp;

    /** FP32 and DefaultQuantization accuracy of one model on the full test split. */
    private record Quantized(double fp32, double int8, QuantizationPlan plan) {
    }

    @BeforeAll
    void startEngine() {
        assumeTrue(Boolean.getBoolean("pot4j.crossBackend"),
                "runs in the cross-backend surefire execution, where backend-tensorflow and backend-djl are on the class path");
        pot4j = Pot4j.builder().build();
        assertTrue(pot4j.backendNames().containsAll(List.of("onnx", "tensorflow", "djl")),
                "all three backends on the class path: " + pot4j.backendNames() + " " + pot4j.plugins());
        accuracy = pot4j.metric("accuracy", Map.of("top_k", 1));
    }

    @AfterAll
    void stopEngine() {
        models.values().forEach(Model::close);
        if (pot4j != null) {
            pot4j.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"lenet", "resnet"})
    void sameWeightsGiveTheSameFp32AccuracyOnEveryBackend(String cnn) {
        double onnx = result(onnx(cnn)).fp32();
        assertEquals(onnx, result(savedModel(cnn)).fp32(), 0.001, cnn + ": ONNX vs SavedModel FP32");
        assertEquals(onnx, result(torchScript(cnn)).fp32(), 0.001, cnn + ": ONNX vs TorchScript FP32");
    }

    @ParameterizedTest
    @ValueSource(strings = {"lenet", "resnet"})
    void defaultQuantizationAgreesAcrossBackends(String cnn) {
        double onnx = result(onnx(cnn)).int8();
        assertEquals(onnx, result(savedModel(cnn)).int8(), 0.005, cnn + ": ONNX vs SavedModel INT8");
        assertEquals(onnx, result(torchScript(cnn)).int8(), 0.005, cnn + ": ONNX vs TorchScript INT8");
        for (String m : List.of(onnx(cnn), savedModel(cnn), torchScript(cnn))) {
            assertFalse(result(m).plan().activations().isEmpty(), m + ": activations quantized");
            assertEquals(model(m).quantizableNodes().stream().filter(n -> n.weightName() != null).count(),
                    result(m).plan().weights().size(), m + ": every weight quantized");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"lenet", "resnet"})
    void savedModelReloadsWithTheEnginesInt8Accuracy(String cnn) {
        assertReloadReproduces(savedModel(cnn), tmp.resolve(cnn + "-int8"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"lenet", "resnet"})
    void torchScriptReloadsWithTheEnginesInt8Accuracy(String cnn) {
        assertReloadReproduces(torchScript(cnn), tmp.resolve(cnn + "-int8.pt"));
    }

    /**
     * 8-bit LeNet loses nothing on this test split, so no drop is missed at 8 bits; with 3-bit
     * activations DefaultQuantization really loses accuracy, and AccuracyAware (same base
     * parameters) must win it back by reverting layers.
     */
    @Test
    void accuracyAwareMeetsOnTensorFlowADropDefaultQuantizationMisses() {
        Model tf = model(LENET_SAVED_MODEL);
        Dataset validation = test(LENET_SAVED_MODEL).head(500);
        Map<String, Object> lowBits = Map.of("preset", "performance", "stat_subset_size", 300, "activations", Map.of("bits", 3));
        double maxDrop = 0.002;

        double fp32 = evaluate(tf, QuantizationPlan.EMPTY, validation);
        QuantizationResult plain = pot4j.quantize(tf, calibration(LENET_SAVED_MODEL), lowBits);
        double defaultDrop = fp32 - evaluate(tf, plain.plan(), validation);
        assertTrue(defaultDrop > maxDrop, "DefaultQuantization must miss the target for this test to mean anything: drop " + defaultDrop);

        Map<String, Object> params = new LinkedHashMap<>(lowBits);
        params.put("max_iter_num", 4);
        QuantizationResult aa = pot4j.quantizeWithAccuracyControl(tf, calibration(LENET_SAVED_MODEL), validation, accuracy,
                maxDrop, "absolute", params);
        double aaDrop = fp32 - evaluate(tf, aa.plan(), validation);
        System.out.printf(Locale.ROOT, "cross-backend: TF LeNet 3-bit activations, 500 test images: FP32 %.4f, Default drop %.4f,"
                + " AccuracyAware drop %.4f (%s, FP32 nodes %s)%n", fp32, defaultDrop, aaDrop, aa.status(), aa.plan().fp32Nodes());
        assertEquals(QuantizationResult.Status.TARGET_MET, aa.status());
        assertTrue(aaDrop <= maxDrop + 1e-9, "AccuracyAware drop " + aaDrop + " > " + maxDrop);
        assertFalse(aa.plan().fp32Nodes().isEmpty(), "meeting the target took reverting layers");
        assertTrue(aa.plan().fp32Nodes().size() < tf.quantizableNodes().size(), "not every layer reverted: " + aa.plan().fp32Nodes());
    }

    private void assertReloadReproduces(String example, Path target) {
        Model model = model(example);
        Quantized q = result(example);
        model.save(q.plan(), target);
        try (Model reloaded = pot4j.loadModel(target)) {
            assertEquals(model.backendName(), reloaded.backendName());
            double reloadedInt8 = evaluate(reloaded, QuantizationPlan.EMPTY, test(example));
            double sizeRatio = (double) reloaded.sizeOnDisk() / model.sizeOnDisk();
            System.out.printf(Locale.ROOT, "cross-backend: %s saved INT8 %.4f (engine %.4f), size %.3fx of FP32%n",
                    example, reloadedInt8, q.int8(), sizeRatio);
            assertEquals(q.int8(), reloadedInt8, 0.001, example + ": reloaded INT8 vs the engine's INT8");
            assertTrue(sizeRatio <= 0.3, example + ": INT8 weights stored as int8, size ratio " + sizeRatio);
        }
    }

    private Quantized result(String example) {
        return quantized.computeIfAbsent(example, e -> {
            Model model = model(e);
            double fp32 = evaluate(model, QuantizationPlan.EMPTY, test(e));
            QuantizationPlan plan = pot4j.quantize(model, calibration(e), DEFAULT_PARAMS).plan();
            double int8 = evaluate(model, plan, test(e));
            System.out.printf(Locale.ROOT, "cross-backend: %s (%s) FP32 %.4f, DefaultQuantization INT8 %.4f on %d test images%n",
                    e, model.backendName(), fp32, int8, test(e).size());
            return new Quantized(fp32, int8, plan);
        });
    }

    private Model model(String example) {
        return models.computeIfAbsent(example, e -> pot4j.loadModel(CliRun.example(e)));
    }

    private double evaluate(Model model, QuantizationPlan plan, Dataset data) {
        Map<String, Double> values = pot4j.evaluate(model, plan, data, List.of(accuracy));
        assertEquals(1, values.size(), values.toString());
        return values.values().iterator().next();
    }

    private static String onnx(String cnn) {
        return "mnist-" + cnn + "/" + cnn + ".onnx";
    }

    private static String savedModel(String cnn) {
        return "mnist-" + cnn + "/" + cnn + "_savedmodel";
    }

    private static String torchScript(String cnn) {
        return "mnist-" + cnn + "/" + cnn + ".pt";
    }

    private Dataset calibration(String example) {
        return mnist("calibration", example);
    }

    private Dataset test(String example) {
        return mnist("test", example);
    }

    /** The Keras twin takes NHWC images; the ONNX and TorchScript ones NCHW. */
    private Dataset mnist(String split, String example) {
        Map<String, Object> spec = Map.of("type", "idx",
                "images", "data/mnist/" + split + "-images.idx3-ubyte",
                "labels", "data/mnist/" + split + "-labels.idx1-ubyte",
                "channels_first", !example.endsWith("_savedmodel"));
        return pot4j.openDataset(spec, CliRun.examples());
    }
}
