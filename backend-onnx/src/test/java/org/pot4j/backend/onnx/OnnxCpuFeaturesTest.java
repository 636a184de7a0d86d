package org.pot4j.backend.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.pot4j.api.Tensor;
import org.pot4j.api.model.BackendCapability;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.ModelBackend;
import org.pot4j.api.model.QuantizableNode;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.api.quant.WeightQuantizer;
import org.pot4j.backend.onnx.proto.OnnxProtos.ModelProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.TensorProto;

/**
 * Both weight paths, whatever CPU runs the tests: x86 without a uint8 x int8 dot-product
 * instruction reports saturating kernels (the engine then gives convolutions 7-bit weights), CPUs
 * with VNNI/AMX or other architectures do not; and a 7-bit weight plan is written with values in
 * [-63, 63] that ORT runs on integer kernels as closely to FP32 as the 8-bit plan.
 */
class OnnxCpuFeaturesTest {
    private static final String AVX2_ONLY = "flags\t\t: fpu sse4_2 avx avx2 fma bmi2\n";
    private static final String VNNI = "flags\t\t: fpu sse4_2 avx avx2 avx512f avx512_vnni\n";

    @Test
    void onlyX86WithoutDotProductInstructionsSaturates() {
        assertTrue(OnnxCpuFeatures.saturates("amd64", AVX2_ONLY));
        assertFalse(OnnxCpuFeatures.saturates("amd64", VNNI));
        assertFalse(OnnxCpuFeatures.saturates("x86_64", "flags : avx2 avx_vnni\n"));
        assertFalse(OnnxCpuFeatures.saturates("amd64", "flags : avx512f amx_int8\n"));
        assertTrue(OnnxCpuFeatures.saturates("amd64", null), "unknown x86 flags: the safe choice");
        assertFalse(OnnxCpuFeatures.saturates("aarch64", null));
    }

    @Test
    void saturatingKernelsAreACapabilityOnlyWhenDetected() {
        assertTrue(OnnxBackend.capabilities(true).contains(BackendCapability.SATURATING_INT8_KERNELS));
        assertFalse(OnnxBackend.capabilities(false).contains(BackendCapability.SATURATING_INT8_KERNELS));
        assertEquals(OnnxBackend.capabilities(true).size(), OnnxBackend.capabilities(false).size() + 1);
    }

    @Test
    void sevenBitWeightsAreStoredInRangeAndRunOnIntegerKernels() {
        try (ModelBackend<OnnxLoadOptions> backend = new OnnxBackendProvider().create(null);
             Model m = backend.load(OnnxFixtures.residualCnn())) {
            Map<String, Tensor> batch = Map.of(m.inputs().get(0).name(),
                    Tensor.concat(java.util.stream.IntStream.range(0, 4).mapToObj(i -> OnnxTestData
                            .randomImages(4, OnnxTestModels.SIDE, 3).get(i).inputs().get("input").withBatchDim()).toList()));
            QuantizationPlan eight = OnnxTestPlans.quantizeAll(m, batch);
            QuantizationPlan.Builder seven = QuantizationPlan.builder();
            eight.activations().forEach(seven::activation);
            for (QuantizableNode n : m.quantizableNodes()) {
                if (n.hasWeight()) {
                    WeightQuantizer w = eight.weights().get(n.id());
                    float[] scales = w.scales().clone();
                    for (int c = 0; c < scales.length; c++) {
                        scales[c] *= 127f / 63f;
                    }
                    seven.weight(n.id(), new WeightQuantizer(7, w.axis(), scales, w.zeroPoints(), true));
                }
            }
            QuantizationPlan plan7 = seven.build();
            ModelProto written = ((OnnxModel) m).applied(plan7);
            int maxAbs = 0;
            for (TensorProto t : written.getGraph().getInitializerList()) {
                if (t.getDataType() == OnnxTensorProtos.INT8 && t.getName().contains("weight")) {
                    for (byte b : t.getRawData().toByteArray()) {
                        maxAbs = Math.max(maxAbs, Math.abs(b));
                    }
                }
            }
            assertEquals(63, maxAbs, "7-bit weights use [-63, 63]");
            Tensor fp32 = run(m, QuantizationPlan.EMPTY, batch);
            double err7 = relError(fp32, run(m, plan7, batch));
            double err8 = relError(fp32, run(m, eight, batch));
            assertTrue(err7 < 0.05 && err8 < 0.05, "relative error to FP32: 7-bit " + err7 + ", 8-bit " + err8);
        }
    }

    private static Tensor run(Model m, QuantizationPlan plan, Map<String, Tensor> batch) {
        try (CompiledModel c = m.compile(plan, Set.of())) {
            return c.infer(batch).get(m.outputs().get(0).name());
        }
    }

    private static double relError(Tensor a, Tensor b) {
        float[] x = a.toFloatArray();
        float[] y = b.toFloatArray();
        double num = 0;
        double den = 0;
        for (int i = 0; i < x.length; i++) {
            num += (x[i] - y[i]) * (double) (x[i] - y[i]);
            den += x[i] * (double) x[i];
        }
        return Math.sqrt(num / den);
    }
}
