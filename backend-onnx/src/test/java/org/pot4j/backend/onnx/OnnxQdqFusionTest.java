package org.pot4j.backend.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pot4j.api.Tensor;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.ModelBackend;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.backend.onnx.proto.OnnxProtos.ModelProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.NodeProto;

/**
 * Checks the property the QDQ layout exists for: ONNX Runtime replaces every quantized Conv, the
 * residual Add, the pooling and the Gemm with integer kernels (read from the graph ORT writes with
 * {@code optimized_model_path}), and the saved file shrinks to about a quarter.
 */
class OnnxQdqFusionTest {
    @TempDir
    Path tmp;

    @Test
    void ortRunsEveryQuantizedConvOnIntegerKernels() throws IOException {
        Map<String, Integer> ops = optimizedOps(OnnxFixtures.residualCnn(), 13);
        assertEquals(3, ops.getOrDefault("QLinearConv", 0), "QLinearConv count in " + ops);
        assertEquals(0, ops.getOrDefault("Conv", 0) + ops.getOrDefault("FusedConv", 0), "float convs left in " + ops);
        assertEquals(1, ops.getOrDefault("QLinearAdd", 0), "residual Add in " + ops);
        assertEquals(1, ops.getOrDefault("QLinearGlobalAveragePool", 0), "GAP in " + ops);
        assertEquals(1, ops.getOrDefault("QGemm", 0), "Gemm in " + ops);
    }

    @Test
    void opset11ModelsGetMicrosoftDomainQdqAndStillFuse() throws IOException {
        Path file = OnnxFixtures.file("residual-cnn-opset11.onnx", OnnxTestModels.residualCnn(11, 8));
        Map<String, Integer> ops = optimizedOps(file, 11);
        assertEquals(3, ops.getOrDefault("QLinearConv", 0), "QLinearConv count in " + ops);
        assertEquals(1, ops.getOrDefault("QGemm", 0), "Gemm in " + ops);
    }

    @Test
    void savedQuantizedCnnIsAQuarterOfFp32() throws IOException {
        Path fp32 = OnnxFixtures.file("residual-cnn-w64.onnx", OnnxTestModels.residualCnn(13, 64));
        try (ModelBackend<OnnxLoadOptions> backend = new OnnxBackendProvider().create(null);
             Model model = backend.load(fp32)) {
            Map<String, Tensor> batch = batch(model);
            Path target = tmp.resolve("int8.onnx");
            model.save(OnnxTestPlans.quantizeAll(model, batch), target);
            double ratio = (double) Files.size(target) / Files.size(fp32);
            assertTrue(ratio <= 0.27, "INT8/FP32 file size ratio " + ratio);
            assertTrue(ratio > 0.2, "suspiciously small: " + ratio);
        }
    }

    /** Op histogram of the graph ORT really runs for the quantize-everything plan. */
    private Map<String, Integer> optimizedOps(Path model, int opset) throws IOException {
        Path optimized = tmp.resolve("optimized-" + model.getFileName());
        try (ModelBackend<OnnxLoadOptions> backend = new OnnxBackendProvider().create(null);
             Model m = backend.load(model, OnnxLoadOptions.optimizedModelPath(optimized.toString()))) {
            QuantizationPlan plan = OnnxTestPlans.quantizeAll(m, batch(m));
            ModelProto written = ((OnnxModel) m).applied(plan);
            String domain = opset >= 13 ? "" : "com.microsoft";
            assertTrue(written.getGraph().getNodeList().stream().filter(n -> n.getOpType().endsWith("Linear"))
                    .allMatch(n -> n.getDomain().equals(domain)), "Q/DQ domain for opset " + opset);
            try (CompiledModel c = m.compile(plan, Set.of())) {
                c.infer(batch(m));
            }
        }
        ModelProto graph = ModelProto.parseFrom(Files.readAllBytes(optimized));
        Map<String, Integer> ops = new TreeMap<>();
        for (NodeProto n : graph.getGraph().getNodeList()) {
            ops.merge(n.getOpType(), 1, Integer::sum);
        }
        return ops;
    }

    private static Map<String, Tensor> batch(Model m) {
        var data = OnnxTestData.randomImages(4, OnnxTestModels.SIDE, 3);
        List<Tensor> parts = new java.util.ArrayList<>();
        for (int i = 0; i < data.size(); i++) {
            parts.add(data.get(i).inputs().get("input").withBatchDim());
        }
        return Map.of(m.inputs().get(0).name(), Tensor.concat(parts));
    }
}
