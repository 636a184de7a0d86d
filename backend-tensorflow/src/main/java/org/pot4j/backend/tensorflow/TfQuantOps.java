package org.pot4j.backend.tensorflow;

import com.google.protobuf.ByteString;
import java.util.List;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.NodeDef;

/**
 * Builds the {@code NodeDef}s of TensorFlow's quantized CPU ops, with the attributes the oneDNN
 * kernels of TensorFlow 2.18 expect (the same layout Intel Neural Compressor's TensorFlow adaptor
 * writes, learnt from its {@code fuse_qdq_conv}/{@code fuse_conv_requantize} rewriters):
 * <ul>
 *   <li>{@code QuantizeV2}/{@code Dequantize} in {@code SCALED} mode: quint8 covers {@code [0, max]} with
 *       step {@code max/255}, qint8 covers {@code [-m, m]} with step {@code m/127}, zero point 0;</li>
 *   <li>{@code _FusedQuantizedConv2D}/{@code _FusedQuantizedDepthwiseConv2D} with host inputs
 *       {@code (x, filter, bias, min_x, max_x, min_filter, max_filter, min_out, max_out)}, a float bias
 *       (the kernel scales it), per-output-channel filter ranges, and {@code fused_ops}
 *       {@code BiasAdd[, Relu], Requantize}: conv, bias, activation and the requantization to the next
 *       layer's 8-bit input run as one oneDNN primitive;</li>
 *   <li>{@code _QuantizedMatMul} with {@code fused_ops} {@code BiasAdd, Dequantize}: a float result.</li>
 * </ul>
 */
final class TfQuantOps {
    private TfQuantOps() {
    }

    /**
     * {@code QuantizeV2(x, min, max)} to {@code type}: qint8 in SCALED mode (round half to even); quint8, whose
     * ranges here always start at 0, in MIN_COMBINED mode, which is the same mapping {@code round(x * 255 / max)}
     * (ties away from zero) but keeps TensorFlow's plain kernel: the oneDNN rewrite of SCALED QuantizeV2 costs
     * ~30 us per call on small tensors (measured with step statistics on the MNIST ResNet).
     */
    static NodeDef quantize(String name, String x, String min, String max, DataType type) {
        boolean unsigned = type == DataType.DT_QUINT8;
        return NodeDef.newBuilder().setName(name).setOp("QuantizeV2").addInput(x).addInput(min).addInput(max)
                .putAttr("T", type(type))
                .putAttr("mode", string(unsigned ? "MIN_COMBINED" : "SCALED"))
                .putAttr("round_mode", string(unsigned ? "HALF_AWAY_FROM_ZERO" : "HALF_TO_EVEN"))
                // without this, TensorFlow widens ranges narrower than 0.01 and the steps no longer match the plan
                .putAttr("ensure_minimum_range", AttrValue.newBuilder().setF(0f).build())
                .build();
    }

    /**
     * {@code Dequantize(q, min, max)} of a {@code type} tensor to float: SCALED for qint8, MIN_COMBINED for quint8
     * with min 0 (the same {@code q * max / 255}, on TensorFlow's plain kernel instead of the oneDNN one, which
     * took ~45 us per call on small tensors).
     */
    static NodeDef dequantize(String name, String q, String min, String max, DataType type) {
        return NodeDef.newBuilder().setName(name).setOp("Dequantize").addInput(q).addInput(min).addInput(max)
                .putAttr("T", type(type))
                .putAttr("mode", string(type == DataType.DT_QUINT8 ? "MIN_COMBINED" : "SCALED"))
                .putAttr("dtype", type(DataType.DT_FLOAT))
                .build();
    }

    /**
     * A fused quantized 2-D convolution: {@code conv(x, filter) + bias [-> Relu] -> requantize to outType}.
     *
     * @param depthwise   {@code _FusedQuantizedDepthwiseConv2D} (HWCM filter) instead of {@code _FusedQuantizedConv2D}
     * @param conv        the float {@code Conv2D}/{@code DepthwiseConv2dNative} whose strides, padding, dilations
     *                    and data format are copied
     * @param inputs      x, filter, bias, min_x, max_x, min_filter, max_filter, min_out, max_out
     */
    static NodeDef fusedConv(String name, boolean depthwise, NodeDef conv, List<String> inputs, DataType inType,
                             boolean relu, DataType outType) {
        NodeDef.Builder b = NodeDef.newBuilder().setName(name)
                .setOp(depthwise ? "_FusedQuantizedDepthwiseConv2D" : "_FusedQuantizedConv2D")
                .addAllInput(inputs)
                .putAttr("Tinput", type(inType))
                .putAttr("Tfilter", type(DataType.DT_QINT8))
                .putAttr("Tbias", type(DataType.DT_FLOAT))
                // no Sum is fused, but the kernels are registered with the summand type equal to the output type
                .putAttr("Tsummand", type(outType))
                .putAttr("out_type", type(outType))
                .putAttr("Thost_inputs", types(inType, DataType.DT_QINT8, DataType.DT_FLOAT, DataType.DT_FLOAT,
                        DataType.DT_FLOAT, DataType.DT_FLOAT, DataType.DT_FLOAT, DataType.DT_FLOAT, DataType.DT_FLOAT))
                .putAttr("Thost_outputs", types(outType, DataType.DT_FLOAT, DataType.DT_FLOAT))
                .putAttr("fused_ops", strings(relu ? List.of("BiasAdd", "Relu", "Requantize") : List.of("BiasAdd", "Requantize")));
        for (String attr : List.of("strides", "padding", "data_format", "dilations", "explicit_paddings")) {
            AttrValue v = conv.getAttrMap().get(attr);
            if (v != null) {
                b.putAttr(attr, v);
            }
        }
        return b.build();
    }

    /**
     * A fused quantized 2-D convolution with a residual add: {@code Relu(conv(x, filter) + bias + summand)},
     * requantized to quint8 (INC's {@code BiasAdd, Sum, Relu, Requantize} fusion).
     *
     * @param inputs x, filter, bias, summand, min_x, max_x, min_filter, max_filter, min_summand, max_summand,
     *               min_out, max_out
     */
    static NodeDef fusedConvSumRelu(String name, NodeDef conv, List<String> inputs, DataType inType, DataType summandType) {
        NodeDef.Builder b = NodeDef.newBuilder().setName(name).setOp("_FusedQuantizedConv2D")
                .addAllInput(inputs)
                .putAttr("Tinput", type(inType))
                .putAttr("Tfilter", type(DataType.DT_QINT8))
                .putAttr("Tbias", type(DataType.DT_FLOAT))
                .putAttr("Tsummand", type(summandType))
                .putAttr("out_type", type(DataType.DT_QUINT8))
                .putAttr("Thost_inputs", types(inType, DataType.DT_QINT8, DataType.DT_FLOAT, summandType, DataType.DT_FLOAT,
                        DataType.DT_FLOAT, DataType.DT_FLOAT, DataType.DT_FLOAT, DataType.DT_FLOAT, DataType.DT_FLOAT,
                        DataType.DT_FLOAT, DataType.DT_FLOAT))
                .putAttr("Thost_outputs", types(DataType.DT_QUINT8, DataType.DT_FLOAT, DataType.DT_FLOAT))
                .putAttr("fused_ops", strings(List.of("BiasAdd", "Sum", "Relu", "Requantize")));
        for (String attr : List.of("strides", "padding", "data_format", "dilations", "explicit_paddings")) {
            AttrValue v = conv.getAttrMap().get(attr);
            if (v != null) {
                b.putAttr(attr, v);
            }
        }
        return b.build();
    }

    /**
     * {@code x(quint8|qint8) . W(qint8) + bias}, dequantized to float in the same kernel.
     *
     * @param inputs x, weight, bias, min_x, max_x, min_weight, max_weight, min_out, max_out (the kernel takes an
     *               output range even when it dequantizes; INC passes the requantize range, any pair does)
     */
    static NodeDef matMulDequantize(String name, NodeDef matMul, List<String> inputs, DataType inType) {
        NodeDef.Builder b = NodeDef.newBuilder().setName(name).setOp("_QuantizedMatMul")
                .addAllInput(inputs)
                .putAttr("T1", type(inType))
                .putAttr("T2", type(DataType.DT_QINT8))
                .putAttr("Tbias", type(DataType.DT_FLOAT))
                .putAttr("U", type(DataType.DT_FLOAT))
                .putAttr("Tout", type(DataType.DT_FLOAT))
                .putAttr("input_quant_mode", string("SCALED"))
                .putAttr("output_quant_mode", string("SCALED"))
                .putAttr("fused_ops", strings(List.of("BiasAdd", "Dequantize")))
                .putAttr("Thost_inputs", types(inType, DataType.DT_QINT8, DataType.DT_FLOAT, DataType.DT_FLOAT,
                        DataType.DT_FLOAT, DataType.DT_FLOAT, DataType.DT_FLOAT, DataType.DT_FLOAT, DataType.DT_FLOAT))
                .putAttr("Thost_outputs", types(DataType.DT_FLOAT));
        for (String attr : List.of("transpose_a", "transpose_b")) {
            AttrValue v = matMul.getAttrMap().get(attr);
            if (v != null) {
                b.putAttr(attr, v);
            }
        }
        return b.build();
    }

    /** {@code QuantizedMaxPool(q, min, max)}: max pooling on 8-bit data, same range out (attrs copied from the float MaxPool). */
    static NodeDef maxPool(String name, NodeDef pool, String q, String min, String max, DataType type) {
        NodeDef.Builder b = NodeDef.newBuilder().setName(name).setOp("QuantizedMaxPool").addInput(q).addInput(min).addInput(max)
                .putAttr("T", type(type));
        for (String attr : List.of("ksize", "strides", "padding")) {
            b.putAttr(attr, pool.getAttrMap().get(attr));
        }
        return b.build();
    }

    /** {@code QuantizedReshape(q, shape, min, max)}. */
    static NodeDef reshape(String name, NodeDef reshape, String q, String min, String max, DataType type) {
        AttrValue tshape = reshape.getAttrMap().get("Tshape");
        return NodeDef.newBuilder().setName(name).setOp("QuantizedReshape").addInput(q).addInput(reshape.getInput(1))
                .addInput(min).addInput(max)
                .putAttr("T", type(type))
                .putAttr("Tshape", tshape != null ? tshape : type(DataType.DT_INT32))
                .build();
    }

    /** A qint8 {@code Const} holding {@code values} (one byte each) in {@code shape}. */
    static NodeDef qint8Const(String name, long[] shape, byte[] values) {
        return TfTensors.constNode(name, DataType.DT_QINT8, shape, values).toBuilder().build();
    }

    static AttrValue type(DataType t) {
        return AttrValue.newBuilder().setType(t).build();
    }

    private static AttrValue types(DataType... ts) {
        AttrValue.ListValue.Builder l = AttrValue.ListValue.newBuilder();
        for (DataType t : ts) {
            l.addType(t);
        }
        return AttrValue.newBuilder().setList(l).build();
    }

    private static AttrValue string(String s) {
        return AttrValue.newBuilder().setS(ByteString.copyFromUtf8(s)).build();
    }

    private static AttrValue strings(List<String> ss) {
        AttrValue.ListValue.Builder l = AttrValue.ListValue.newBuilder();
        ss.forEach(s -> l.addS(ByteString.copyFromUtf8(s)));
        return AttrValue.newBuilder().setList(l).build();
    }
}
