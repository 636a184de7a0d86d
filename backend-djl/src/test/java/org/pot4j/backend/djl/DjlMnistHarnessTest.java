package org.pot4j.backend.djl;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pot4j.api.Tensor;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.QuantizableNode;
import org.pot4j.api.quant.ActivationQuantizer;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.api.quant.WeightQuantizer;

/**
 * Measures what the djl backend does to the MNIST CNNs: FP32 vs INT8 top-1 accuracy on the 2000
 * test images, file size ratio, and inference time of FP32, the compiled (simulated) INT8 model and
 * the saved INT8 file, side by side. The plan is a plain min/max one built here from the 300
 * calibration images (per-channel symmetric INT8 weights, per-tensor activations: uint8 from 0 when
 * non-negative, else symmetric int8), i.e. what the engine's {@code performance} preset computes
 * without its range estimators. Accuracy is asserted (drop at most 1 point), times only printed.
 * Opt-in, to keep the module's tests fast: {@code POT4J_DJL_HARNESS=lenet} measures LeNet,
 * {@code POT4J_DJL_HARNESS=full} both LeNet and ResNet, e.g.
 * {@code POT4J_DJL_HARNESS=full mvn -pl backend-djl test -Dtest=DjlMnistHarnessTest}.
 */
class DjlMnistHarnessTest {
    @TempDir
    Path tmp;

    @Test
    void lenet() throws IOException {
        String mode = System.getenv("POT4J_DJL_HARNESS");
        assumeTrue("lenet".equals(mode) || "full".equals(mode), "set POT4J_DJL_HARNESS=lenet or full to measure");
        measure(DjlBackendTest.LENET);
    }

    @Test
    void resnet() throws IOException {
        assumeTrue("full".equals(System.getenv("POT4J_DJL_HARNESS")), "set POT4J_DJL_HARNESS=full to measure resnet.pt");
        measure(Path.of("..", "examples", "mnist-resnet", "resnet.pt"));
    }

    private void measure(Path file) throws IOException {
        MnistIdx calibration = new MnistIdx("calibration", 300);
        MnistIdx test = new MnistIdx("test", 2000);
        DjlBackend backend = (DjlBackend) new DjlBackendProvider().create(Map.of());
        Map<String, Object> options = Map.of("input_shapes", List.of(List.of(-1, 1, 28, 28)));
        try (Model model = backend.load(file, options)) {
            QuantizationPlan plan = minMaxPlan(model, calibration);
            Path saved = tmp.resolve(file.getFileName().toString().replace(".pt", "_int8.pt"));
            model.save(plan, saved);
            double sizeRatio = (double) Files.size(saved) / model.sizeOnDisk();
            Result fp32;
            Result int8;
            Result savedInt8;
            try (CompiledModel c = model.compile(QuantizationPlan.EMPTY, Set.of())) {
                fp32 = evaluate(model, c, test);
            }
            try (CompiledModel c = model.compile(plan, Set.of())) {
                int8 = evaluate(model, c, test);
            }
            try (Model reloaded = backend.load(saved, options);
                 CompiledModel c = reloaded.compile(QuantizationPlan.EMPTY, Set.of())) {
                savedInt8 = evaluate(reloaded, c, test);
            }
            System.out.printf("%s: accuracy FP32 %.4f, INT8 compiled %.4f, INT8 saved %.4f; size %d -> %d bytes (%.3fx)%n",
                    file.getFileName(), fp32.accuracy, int8.accuracy, savedInt8.accuracy, model.sizeOnDisk(),
                    Files.size(saved), sizeRatio);
            System.out.printf("%s: ms per batch of 16 / per image at batch 1: FP32 %.2f / %.3f, INT8 compiled %.2f / %.3f,"
                    + " INT8 saved %.2f / %.3f%n", file.getFileName(), fp32.msPerBatch, fp32.msPerImage, int8.msPerBatch,
                    int8.msPerImage, savedInt8.msPerBatch, savedInt8.msPerImage);
            assertTrue(fp32.accuracy - int8.accuracy <= 0.01, "INT8 accuracy drop " + (fp32.accuracy - int8.accuracy));
            assertTrue(Math.abs(int8.accuracy - savedInt8.accuracy) <= 0.001, "saved INT8 model differs from compiled");
            assertTrue(sizeRatio < 0.3, "size ratio " + sizeRatio);
        }
    }

    private record Result(double accuracy, double msPerBatch, double msPerImage) {
    }

    private static Result evaluate(Model model, CompiledModel c, MnistIdx data) {
        String in = model.inputs().get(0).name();
        String out = model.outputs().get(0).name();
        int batch = 16;
        c.infer(stack(in, data, 0, batch)); // warm-up
        int correct = 0;
        long t0 = System.nanoTime();
        int batches = 0;
        for (int start = 0; start < data.size(); start += batch) {
            int n = Math.min(batch, data.size() - start);
            float[] logits = c.infer(stack(in, data, start, n)).get(out).floats();
            for (int i = 0; i < n; i++) {
                int best = 0;
                for (int k = 1; k < 10; k++) {
                    best = logits[i * 10 + k] > logits[i * 10 + best] ? k : best;
                }
                correct += best == data.label(start + i) ? 1 : 0;
            }
            batches++;
        }
        double msPerBatch = (System.nanoTime() - t0) / 1e6 / batches;
        int singles = 200;
        long t1 = System.nanoTime();
        for (int i = 0; i < singles; i++) {
            c.infer(stack(in, data, i, 1));
        }
        double msPerImage = (System.nanoTime() - t1) / 1e6 / singles;
        return new Result((double) correct / data.size(), msPerBatch, msPerImage);
    }

    private static Map<String, Tensor> stack(String name, MnistIdx data, int start, int n) {
        List<Tensor> parts = new ArrayList<>();
        for (int i = start; i < start + n; i++) {
            parts.add(data.get(i).inputs().values().iterator().next().withBatchDim());
        }
        return Map.of(name, Tensor.concat(parts));
    }

    /** Min/max ranges over the calibration set; per-channel symmetric narrow-range INT8 weights. */
    static QuantizationPlan minMaxPlan(Model model, MnistIdx calibration) {
        Set<String> tensors = new LinkedHashSet<>();
        for (QuantizableNode n : model.quantizableNodes()) {
            tensors.addAll(n.activationInputs());
            tensors.addAll(n.activationOutputs());
        }
        Map<String, float[]> ranges = new LinkedHashMap<>();
        String in = model.inputs().get(0).name();
        try (CompiledModel c = model.compile(QuantizationPlan.EMPTY, tensors)) {
            for (int start = 0; start < calibration.size(); start += 32) {
                int n = Math.min(32, calibration.size() - start);
                Map<String, Tensor> out = c.infer(stack(in, calibration, start, n));
                for (String t : tensors) {
                    float[] r = ranges.computeIfAbsent(t, k -> new float[2]);
                    for (float v : out.get(t).floats()) {
                        r[0] = Math.min(r[0], v);
                        r[1] = Math.max(r[1], v);
                    }
                }
            }
        }
        QuantizationPlan.Builder plan = QuantizationPlan.builder();
        ranges.forEach((t, r) -> plan.activation(t, r[0] >= 0
                ? new ActivationQuantizer(8, false, Math.max(r[1], 1e-6f) / 255f, 0)
                : new ActivationQuantizer(8, true, Math.max(Math.max(-r[0], r[1]), 1e-6f) / 127f, 0)));
        for (QuantizableNode n : model.quantizableNodes()) {
            if (!n.hasWeight()) {
                continue;
            }
            Tensor w = model.weight(n);
            int axis = n.weightChannelAxis();
            int channels = (int) w.dim(axis);
            int[] channel = DjlPlanWriter.channels(w.shape(), axis);
            float[] max = new float[channels];
            float[] v = w.floats();
            for (int i = 0; i < v.length; i++) {
                max[channel[i]] = Math.max(max[channel[i]], Math.abs(v[i]));
            }
            float[] scales = new float[channels];
            for (int c = 0; c < channels; c++) {
                scales[c] = Math.max(max[c], 1e-8f) / 127f;
            }
            plan.weight(n.id(), new WeightQuantizer(8, axis, scales, new int[channels], true));
        }
        return plan.build();
    }
}
