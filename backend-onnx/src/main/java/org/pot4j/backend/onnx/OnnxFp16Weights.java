package org.pot4j.backend.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.backend.onnx.proto.OnnxProtos.AttributeProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.GraphProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.ModelProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.NodeProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.TensorProto;

/**
 * FP16-compressed weights (NNCF's caveat: quantize from FP32, not from FP16-compressed weights).
 * Exporters that compress weights store them as FLOAT16 initializers followed by
 * {@code Cast(to=FLOAT)}; pot4j's weight quantizers need the weight as an FP32 initializer of the
 * Conv/Gemm/MatMul, so behind a Cast the nodes would silently lose their weight quantization.
 *
 * <p>Each such pair becomes one FP32 initializer named as the Cast's output, holding the exact
 * FP32 value of every FP16 element (the conversion is lossless, so the FP32 model computes what the
 * FP16-compressed one did). A FLOAT16 initializer used any other way (a model computing in FP16)
 * stops the load with {@code MODEL_UNSUPPORTED} naming the tensors.
 */
final class OnnxFp16Weights {
    private static final System.Logger LOG = System.getLogger(OnnxFp16Weights.class.getName());
    private static final int FLOAT16 = TensorProto.DataType.FLOAT16_VALUE;

    private OnnxFp16Weights() {
    }

    /** {@code model} with FP16 weights behind a Cast turned into FP32 initializers (the model itself when there are none). */
    static ModelProto upcast(ModelProto model, Path file) {
        GraphProto g = model.getGraph();
        Map<String, TensorProto> half = new LinkedHashMap<>();
        for (TensorProto t : g.getInitializerList()) {
            if (t.getDataType() == FLOAT16) {
                half.put(t.getName(), t);
            }
        }
        if (half.isEmpty()) {
            return model;
        }
        List<String> directlyUsed = new ArrayList<>();
        Map<NodeProto, TensorProto> casts = new LinkedHashMap<>();
        for (NodeProto n : g.getNodeList()) {
            for (String in : n.getInputList()) {
                if (!half.containsKey(in)) {
                    continue;
                }
                if (isCastToFloat(n)) {
                    casts.put(n, half.get(in));
                } else {
                    directlyUsed.add(in + " (input of " + (n.getName().isEmpty() ? n.getOpType() : n.getName()) + ")");
                }
            }
        }
        if (!directlyUsed.isEmpty()) {
            throw new Pot4jException(ErrorCode.MODEL_UNSUPPORTED, file + " computes with FP16 weights " + shortList(directlyUsed)
                    + "; pot4j quantizes FP32 models: export the model in FP32 (without FP16 weight compression, e.g. "
                    + "compress_to_fp16=False or without onnxconverter_common's float16 conversion)");
        }
        GraphProto.Builder out = g.toBuilder().clearNode().clearInitializer().clearInput();
        // old IR versions also list initializers as graph inputs; the FP16 ones go away
        g.getInputList().stream().filter(in -> !half.containsKey(in.getName())).forEach(out::addInput);
        for (TensorProto t : g.getInitializerList()) {
            // a FLOAT16 initializer read only by its Casts goes; one also read elsewhere cannot exist here
            if (t.getDataType() != FLOAT16) {
                out.addInitializer(t);
            }
        }
        List<String> names = new ArrayList<>();
        for (NodeProto n : g.getNodeList()) {
            TensorProto source = casts.get(n);
            if (source == null) {
                out.addNode(n);
                continue;
            }
            out.addInitializer(OnnxTensorProtos.ofFloats(n.getOutput(0), OnnxTensorProtos.shape(source), toFloats(source)));
            names.add(source.getName());
        }
        LOG.log(System.Logger.Level.WARNING, "{0} has FP16-compressed weights {1}: quantizing from their exact FP32 values "
                + "(for the best INT8 result export the original FP32 weights, e.g. compress_to_fp16=False)", file, shortList(names));
        return model.toBuilder().setGraph(out).build();
    }

    private static boolean isCastToFloat(NodeProto n) {
        if (!n.getOpType().equals("Cast") || !n.getDomain().isEmpty() || n.getOutputCount() != 1) {
            return false;
        }
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals("to")) {
                return a.getI() == OnnxTensorProtos.FLOAT;
            }
        }
        return false;
    }

    /** IEEE half values, from raw little-endian bytes or from int32_data (one value in the low 16 bits of each). */
    static float[] toFloats(TensorProto t) {
        int n = OnnxTensorProtos.elementCount(t);
        float[] out = new float[n];
        if (t.hasRawData()) {
            ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n; i++) {
                out[i] = halfToFloat(b.getShort());
            }
        } else {
            for (int i = 0; i < n; i++) {
                out[i] = halfToFloat((short) t.getInt32Data(i));
            }
        }
        return out;
    }

    /** Exact IEEE 754 binary16 to binary32 (Java 17 has no Float.float16ToFloat). */
    static float halfToFloat(short h) {
        int bits = h & 0xFFFF;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1F;
        int mant = bits & 0x3FF;
        if (exp == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
        }
        if (exp == 0) {
            if (mant == 0) {
                return Float.intBitsToFloat(sign);
            }
            // subnormal half: value = mant * 2^-24, exact in float
            float v = mant * 0x1p-24f;
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }

    private static String shortList(List<String> names) {
        return names.size() <= 5 ? names.toString() : names.subList(0, 5) + " and " + (names.size() - 5) + " more";
    }
}
