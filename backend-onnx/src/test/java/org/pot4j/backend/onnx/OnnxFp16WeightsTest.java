package org.pot4j.backend.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
import org.pot4j.api.model.QuantizableNode;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.backend.onnx.proto.OnnxProtos.GraphProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.ModelProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.NodeProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.TensorProto;

/**
 * FP16-compressed ONNX weights (FLOAT16 initializer -> Cast(to=FLOAT)), NNCF's caveat in the seeds:
 * pot4j must quantize the exact FP32 equivalent, never lose the weight quantizers behind the Cast,
 * and refuse a model that computes in FP16.
 */
class OnnxFp16WeightsTest {
    @TempDir
    Path tmp;

    private ModelBackend<OnnxLoadOptions> backend;
    private final Map<String, Tensor> batch =
            OnnxResnetExampleTest.stack(OnnxTestData.randomImages(3, OnnxTestModels.SIDE, 4), 0, 3);

    @BeforeEach
    void create() {
        backend = new OnnxBackendProvider().create(null);
    }

    @AfterEach
    void close() {
        backend.close();
    }

    /** Half bits of {@code f} by truncation (any rounding will do: the test pairs bits and their exact value). */
    private static short toHalf(float f) {
        int bits = Float.floatToIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = ((bits >>> 23) & 0xFF) - 127 + 15;
        if (exp <= 0) {
            return (short) sign;
        }
        return (short) (sign | (Math.min(exp, 30) << 10) | ((bits >>> 13) & 0x3FF));
    }

    /**
     * Two versions of the residual CNN with the same FP16-representable weights: one as compressors
     * write it (FLOAT16 initializers behind Casts, the Casts first in the node list), one plain FP32.
     */
    private static ModelProto[] compressedAndRounded() {
        ModelProto fp32 = OnnxTestModels.residualCnn(13, 8);
        GraphProto g = fp32.getGraph();
        GraphProto.Builder compressed = g.toBuilder().clearInitializer().clearNode();
        GraphProto.Builder rounded = g.toBuilder().clearInitializer();
        for (TensorProto t : g.getInitializerList()) {
            float[] v = OnnxTensorProtos.floats(t);
            ByteBuffer half = ByteBuffer.allocate(v.length * 2).order(ByteOrder.LITTLE_ENDIAN);
            float[] exact = new float[v.length];
            for (int i = 0; i < v.length; i++) {
                short h = toHalf(v[i]);
                half.putShort(h);
                exact[i] = OnnxFp16Weights.halfToFloat(h);
            }
            compressed.addInitializer(TensorProto.newBuilder().setName(t.getName() + "_fp16").addAllDims(t.getDimsList())
                    .setDataType(TensorProto.DataType.FLOAT16_VALUE).setRawData(ByteString.copyFrom(half.array())));
            compressed.addNode(NodeProto.newBuilder().setOpType("Cast").setName(t.getName() + "_cast")
                    .addInput(t.getName() + "_fp16").addOutput(t.getName()).addAttribute(OnnxTestModels.intAttr("to", 1)));
            rounded.addInitializer(OnnxTensorProtos.ofFloats(t.getName(), OnnxTensorProtos.shape(t), exact));
        }
        compressed.addAllNode(g.getNodeList());
        return new ModelProto[] {fp32.toBuilder().setGraph(compressed).build(), fp32.toBuilder().setGraph(rounded).build()};
    }

    @Test
    void fp16WeightsBehindACastAreQuantizedFromTheirExactFp32Values() throws IOException {
        ModelProto[] pair = compressedAndRounded();
        Path compressedFile = OnnxTestModels.write(pair[0], tmp.resolve("compressed.onnx"));
        Path roundedFile = OnnxTestModels.write(pair[1], tmp.resolve("rounded.onnx"));
        try (Model compressed = backend.load(compressedFile); Model rounded = backend.load(roundedFile)) {
            List<String> ids = compressed.quantizableNodes().stream().map(QuantizableNode::id).toList();
            assertEquals(rounded.quantizableNodes().stream().map(QuantizableNode::id).toList(), ids);
            for (QuantizableNode n : compressed.quantizableNodes()) {
                if (n.opType().equals("Conv") || n.opType().equals("Gemm")) {
                    assertTrue(n.hasWeight(), n.id() + " lost its weight behind the Cast");
                    assertArrayEquals(rounded.weight(n).floats(), compressed.weight(n).floats(), n.id());
                }
            }
            // FP32: pot4j's model computes exactly what ONNX Runtime computes on the FP16-compressed file
            float[] ort = OnnxFixtures.ortReference(compressedFile, batch).get("logits").floats();
            assertArrayEquals(ort, run(compressed, QuantizationPlan.EMPTY));
            assertArrayEquals(run(rounded, QuantizationPlan.EMPTY), run(compressed, QuantizationPlan.EMPTY));
            // INT8: the same plan as from the plain FP32 weights, and the same outputs
            QuantizationPlan plan = OnnxTestPlans.quantizeAll(compressed, batch);
            assertEquals(OnnxTestPlans.quantizeAll(rounded, batch), plan);
            assertFalse(plan.weights().isEmpty());
            assertArrayEquals(run(rounded, plan), run(compressed, plan));
        }
    }

    @Test
    void aModelComputingWithFp16WeightsIsRefusedNamingTheTensor() throws IOException {
        ModelProto fp32 = OnnxTestModels.residualCnn(13, 8);
        GraphProto.Builder g = fp32.getGraph().toBuilder();
        for (int i = 0; i < g.getInitializerCount(); i++) {
            TensorProto t = g.getInitializer(i);
            if (t.getName().equals("conv2.weight")) {
                float[] v = OnnxTensorProtos.floats(t);
                ByteBuffer half = ByteBuffer.allocate(v.length * 2).order(ByteOrder.LITTLE_ENDIAN);
                for (float f : v) {
                    half.putShort(toHalf(f));
                }
                g.setInitializer(i, t.toBuilder().setDataType(TensorProto.DataType.FLOAT16_VALUE).clearRawData()
                        .setRawData(ByteString.copyFrom(half.array())));
            }
        }
        Path file = OnnxTestModels.write(fp32.toBuilder().setGraph(g).build(), tmp.resolve("fp16-conv.onnx"));
        Pot4jException e = assertThrows(Pot4jException.class, () -> backend.load(file).close());
        assertEquals(ErrorCode.MODEL_UNSUPPORTED, e.code());
        assertTrue(e.getMessage().contains("conv2.weight") && e.getMessage().contains("FP16")
                && e.getMessage().contains("FP32"), e.getMessage());
    }

    @Test
    void halfValuesConvertExactly() {
        assertEquals(1.0f, OnnxFp16Weights.halfToFloat((short) 0x3C00));
        assertEquals(-2.0f, OnnxFp16Weights.halfToFloat((short) 0xC000));
        assertEquals(65504f, OnnxFp16Weights.halfToFloat((short) 0x7BFF));
        assertEquals(0x1p-24f, OnnxFp16Weights.halfToFloat((short) 0x0001));
        assertEquals(0x1p-14f, OnnxFp16Weights.halfToFloat((short) 0x0400));
        assertEquals(Float.POSITIVE_INFINITY, OnnxFp16Weights.halfToFloat((short) 0x7C00));
        assertTrue(Float.isNaN(OnnxFp16Weights.halfToFloat((short) 0x7E00)));
        assertEquals(-0.0f, OnnxFp16Weights.halfToFloat((short) 0x8000));
    }

    private float[] run(Model m, QuantizationPlan plan) {
        try (CompiledModel c = m.compile(plan, Set.of())) {
            return c.infer(batch).get("logits").floats().clone();
        }
    }
}
