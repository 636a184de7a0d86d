package org.pot4j.backend.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.ModelBackend;
import org.pot4j.api.model.QuantizableNode;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.backend.onnx.proto.OnnxProtos.ModelProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.NodeProto;

/**
 * The bundled trained ResNet (torch export): every Conv runs as QLinearConv, the INT8 file is at most
 * 0.27x the FP32 file, and top-1 accuracy on 500 held-out MNIST images stays within a point of FP32.
 */
class OnnxResnetExampleTest {
    @TempDir
    Path tmp;

    @Test
    void quantizedResnetIsSmallFastKernelledAndAccurate() throws IOException {
        Path fp32 = OnnxFixtures.example("mnist-resnet/resnet.onnx");
        assumeTrue(fp32 != null, "examples/mnist-resnet/resnet.onnx is not there yet");
        Path optimized = tmp.resolve("optimized.onnx");
        Path int8 = tmp.resolve("resnet-int8.onnx");
        Dataset calibration = OnnxFixtures.mnistCalibration(64);
        Dataset test = OnnxFixtures.mnistTest(500);
        try (ModelBackend<OnnxLoadOptions> backend = new OnnxBackendProvider().create(null);
             Model model = backend.load(fp32, OnnxLoadOptions.optimizedModelPath(optimized.toString()))) {
            List<QuantizableNode> nodes = model.quantizableNodes();
            long convs = nodes.stream().filter(n -> n.opType().equals("Conv")).count();
            QuantizationPlan plan = OnnxTestPlans.quantizeAll(model, stack(calibration, 0, calibration.size()));
            double fp32Accuracy;
            double int8Accuracy;
            try (CompiledModel f = model.compile(QuantizationPlan.EMPTY, Set.of())) {
                fp32Accuracy = accuracy(f, test);
            }
            try (CompiledModel q = model.compile(plan, Set.of())) {
                int8Accuracy = accuracy(q, test);
            }
            assertTrue(int8Accuracy >= fp32Accuracy - 0.01, "top-1 FP32 " + fp32Accuracy + " vs INT8 " + int8Accuracy);

            Map<String, Integer> ops = opHistogram(optimized);
            assertEquals((int) convs, (int) ops.getOrDefault("QLinearConv", 0), "every Conv fused: " + ops);
            assertEquals(0, ops.getOrDefault("Conv", 0) + ops.getOrDefault("FusedConv", 0), "float convs left: " + ops);
            assertEquals(3, (int) ops.getOrDefault("QLinearAdd", 0), "residual adds: " + ops);

            model.save(plan, int8);
            double ratio = (double) Files.size(int8) / Files.size(fp32);
            assertTrue(ratio <= 0.27, "INT8/FP32 size " + ratio);
        }
    }

    static Map<String, Integer> opHistogram(Path model) throws IOException {
        Map<String, Integer> ops = new TreeMap<>();
        for (NodeProto n : ModelProto.parseFrom(Files.readAllBytes(model)).getGraph().getNodeList()) {
            ops.merge(n.getOpType(), 1, Integer::sum);
        }
        return ops;
    }

    static Map<String, Tensor> stack(Dataset d, int from, int to) {
        List<Tensor> parts = new ArrayList<>();
        for (int i = from; i < to; i++) {
            parts.add(d.get(i).inputs().get("input").withBatchDim());
        }
        return Map.of("input", Tensor.concat(parts));
    }

    static double accuracy(CompiledModel m, Dataset d) {
        int correct = 0;
        for (int from = 0; from < d.size(); from += 50) {
            int to = Math.min(d.size(), from + 50);
            float[] logits = m.infer(stack(d, from, to)).get("logits").floats();
            for (int i = from; i < to; i++) {
                int best = 0;
                for (int c = 1; c < 10; c++) {
                    if (logits[(i - from) * 10 + c] > logits[(i - from) * 10 + best]) {
                        best = c;
                    }
                }
                correct += best == (Integer) d.get(i).annotation() ? 1 : 0;
            }
        }
        return (double) correct / d.size();
    }
}
