package org.pot4j.backend.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.pot4j.api.data.Dataset;
import org.pot4j.testkit.ClassifierAccuracy;
import org.pot4j.testkit.MinMaxTestPlanner;
import org.pot4j.testkit.MnistFixture;
import org.pot4j.api.Tensor;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.QuantizableNode;
import org.pot4j.api.quant.ActivationQuantizer;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.api.quant.WeightQuantizer;

/**
 * The saved INT8 TorchScript of the MNIST example CNNs runs on PyTorch's quantized kernels in
 * libtorch: {@code quantized::conv2d(_relu)}, {@code quantized::add_relu}, {@code quantized::linear(_relu)},
 * int8 weights restored by {@code __setstate__}; its top-1 on the 2000 committed test images stays
 * within 0.2 point of FP32 and the file is at most 0.3x the FP32 size. Reverted nodes become float
 * islands; {@code output: fake_quant} still writes the float simulation. The plan is a plain
 * min/max one from the 300 calibration images (per-channel symmetric INT8 weights, 7-bit on x86
 * without VNNI as the engine chooses there, per-tensor
 * activations: uint8 from 0 when non-negative, else symmetric int8), i.e. what the engine's
 * {@code performance} preset computes without its range estimators. No timing here: speed is
 * measured with {@code pot4j benchmark} (see the module README).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DjlInt8MnistTest {
    static final Path RESNET = Path.of("..", "examples", "mnist-resnet", "resnet.pt");
    private static final Map<String, Object> OPTIONS = Map.of("input_shapes", List.of(List.of(-1, 1, 28, 28)));

    @TempDir
    Path tmp;

    private DjlBackend backend;
    private MnistFixture calibration;
    private MnistFixture test;
    private final Map<Path, Double> fp32Accuracies = new java.util.HashMap<>();
    private final Map<Path, QuantizationPlan> plans = new java.util.HashMap<>();

    @BeforeAll
    void setUp() throws IOException {
        backend = (DjlBackend) new DjlBackendProvider().create(Map.of());
        calibration = MnistFixture.read("calibration", 300, 1, 28, 28);
        test = MnistFixture.read("test", 2000, 1, 28, 28);
    }

    @AfterAll
    void tearDown() {
        backend.close();
    }

    @Test
    void resnetRunsOnQuantizedKernelsWithinTwoTenthsOfAPoint() throws IOException {
        String code = saveAndCompare(RESNET, Set.of(), 0.002, 0.3);
        assertTrue(code.contains("ops.quantized.conv2d_relu("), code);
        assertTrue(code.contains("ops.quantized.conv2d("), code);
        assertTrue(code.contains("ops.quantized.add_relu("), "residual adds on integers:\n" + code);
        assertTrue(code.contains("torch.quantize_per_tensor(x, "), code);
        assertFalse(code.contains("torch._convolution"), "no float convolution left:\n" + code);
        assertFalse(code.contains("fake_quantize"), code);
    }

    @Test
    void lenetRunsOnQuantizedKernelsWithinTwoTenthsOfAPoint() throws IOException {
        String code = saveAndCompare(DjlBackendTest.LENET, Set.of(), 0.002, 0.3);
        assertTrue(code.contains("ops.quantized.conv2d_relu("), code);
        assertTrue(code.contains("ops.quantized.linear_relu("), "fc1 feeds fc2's quantizer:\n" + code);
        assertTrue(code.contains("ops.quantized.linear_dynamic("), "fc2 has no output quantizer:\n" + code);
        assertFalse(code.contains("torch._convolution"), code);
        assertEquals(1, code.split("torch\\.dequantize\\(", -1).length - 1, "max pooling and flatten run on int8, one"
                + " dequantize before the dynamic linear:\n" + code);
    }

    @Test
    void revertedNodesBecomeFloatIslands() throws IOException {
        String code = saveAndCompare(RESNET, Set.of("block2.a", "block2/input0"), 0.002, 0.35);
        assertTrue(code.contains("torch._convolution("), "block2.a stays a float convolution:\n" + code);
        assertTrue(code.contains("torch.dequantize("), code);
        assertTrue(code.contains("ops.quantized.conv2d("), code);
        assertTrue(code.contains("torch.add("), "block2's add stays float:\n" + code);
    }

    @Test
    void fakeQuantOptionWritesTheFloatSimulation() throws IOException {
        Map<String, Object> options = new LinkedHashMap<>(OPTIONS);
        options.put("output", "fake_quant");
        try (Model model = backend.load(DjlBackendTest.LENET, options)) {
            QuantizationPlan plan = minMaxPlan(model, calibration);
            Path saved = tmp.resolve("lenet_fq.pt");
            model.save(plan, saved);
            String code = TorchScriptArchive.read(saved).text("code/__torch__.py");
            assertTrue(code.contains("torch.fake_quantize_per_tensor_affine("), code);
            assertFalse(code.contains("ops.quantized"), code);
            try (Model reloaded = backend.load(saved, OPTIONS);
                 CompiledModel a = model.compile(plan, Set.of());
                 CompiledModel b = reloaded.compile(QuantizationPlan.EMPTY, Set.of())) {
                Map<String, Tensor> in = MinMaxTestPlanner.batch(model, test, 0, 8);
                assertEquals(List.of(a.infer(in).get("output").floats().length), List.of(8 * 10));
                org.junit.jupiter.api.Assertions.assertArrayEquals(a.infer(in).get("output").floats(),
                        b.infer(in).get("output").floats());
            }
        }
    }

    /** Saves {@code file} quantized (minus {@code fp32}), checks size and accuracy; returns the root code. */
    private String saveAndCompare(Path file, Set<String> fp32, double maxDrop, double maxSize) throws IOException {
        try (Model model = backend.load(file, OPTIONS)) {
            QuantizationPlan.Builder b = plans.computeIfAbsent(file, f -> minMaxPlan(model, calibration)).toBuilder();
            fp32.forEach(b::fp32Node);
            QuantizationPlan plan = b.build();
            Path saved = tmp.resolve(file.getFileName().toString().replace(".pt", "_" + fp32.size() + "_int8.pt"));
            model.save(plan, saved);
            double sizeRatio = (double) Files.size(saved) / model.sizeOnDisk();
            assertTrue(sizeRatio <= maxSize, "size ratio " + sizeRatio);
            TorchScriptArchive archive = TorchScriptArchive.read(saved);
            assertTrue(archive.text(DjlInt8Writer.CLASS_RECORD).contains("ops.quantized.conv2d_prepack"));
            assertEquals(DjlQuantizedEngine.RECORDED, archive.text(DjlInt8Writer.ENGINE_RECORD));
            double fp32Accuracy = fp32Accuracies.computeIfAbsent(file, f -> {
                try (CompiledModel c = model.compile(QuantizationPlan.EMPTY, Set.of())) {
                    return accuracy(model, c, test);
                }
            });
            double int8Accuracy;
            try (Model reloaded = backend.load(saved, OPTIONS);
                 CompiledModel c = reloaded.compile(QuantizationPlan.EMPTY, Set.of())) {
                int8Accuracy = accuracy(reloaded, c, test);
            }
            System.out.printf("%s (fp32 nodes %s): top-1 FP32 %.4f, saved INT8 %.4f; size %.3fx%n", file.getFileName(),
                    fp32, fp32Accuracy, int8Accuracy, sizeRatio);
            assertTrue(fp32Accuracy - int8Accuracy <= maxDrop + 1e-9,
                    "top-1 FP32 " + fp32Accuracy + " vs saved INT8 " + int8Accuracy);
            assertTrue(fp32Accuracy > 0.95, "FP32 accuracy " + fp32Accuracy);
            return archive.text("code/__torch__.py");
        }
    }

    private static double accuracy(Model model, CompiledModel c, MnistFixture data) {
        return ClassifierAccuracy.top1(model, c, data, 100);
    }

    /** Min/max ranges over the calibration set; per-channel symmetric narrow-range weights (the testkit's planner). */
    static QuantizationPlan minMaxPlan(Model model, Dataset calibration) {
        // 7-bit weights where fbgemm's AVX2 kernels would saturate, as the engine chooses there
        return MinMaxTestPlanner.of(model).metadata(null).weightBits(DjlQuantizedEngine.u8s8Saturates() ? 7 : 8)
                .plan(calibration, 32);
    }
}
