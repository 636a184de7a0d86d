package org.pot4j.backend.onnx;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.pot4j.api.quant.WeightQuantizer;
import org.pot4j.backend.onnx.proto.OnnxProtos.AttributeProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.NodeProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.TensorProto;

/**
 * A {@code MatMul} whose activation input is quantized at run time (a dynamic
 * {@link org.pot4j.api.quant.ActivationQuantizer}), written the way ONNX Runtime's own
 * {@code quantize_dynamic} writes it, because that is the pattern ORT fuses into its
 * {@code DynamicQuantizeMatMul} / {@code MatMulIntegerToFloat} kernels:
 * <pre>
 * DynamicQuantizeLinear(x) -> (x_u8, x_scale, x_zp)        once per input tensor, shared by its MatMuls
 * MatMulInteger(x_u8, w_i8, x_zp) -> Cast(float) -> Mul(Mul(x_scale, Cast(w_scale float16))) -> y
 * </pre>
 * Weights are int8 (per output column or per tensor, zero point 0, left out); the activation range is that of
 * each batch, so no calibration statistics are needed for {@code x}. The weight scales are stored as float16
 * when they fit (the int8 values are computed with the rounded scales): with per-column scales and zero
 * points that made pot4j's bge-small file 41 + 83 KB larger than ORT's own dynamic twin, which stores one
 * scale per tensor.
 */
final class OnnxDynamicMatMul {
    private OnnxDynamicMatMul() {
    }

    /** Names of {@code DynamicQuantizeLinear}'s outputs for one input tensor. */
    record QuantizedInput(String values, String scale, String zeroPoint, NodeProto node) {
    }

    /** The {@code DynamicQuantizeLinear} of tensor {@code x}. */
    static QuantizedInput quantizeInput(String x, UnaryOperator<String> names) {
        String q = names.apply(x + "_dyn_quantized");
        String s = names.apply(x + "_dyn_scale");
        String z = names.apply(x + "_dyn_zero_point");
        NodeProto n = NodeProto.newBuilder().setOpType("DynamicQuantizeLinear").addInput(x)
                .addOutput(q).addOutput(s).addOutput(z).build();
        return new QuantizedInput(q, s, z, n);
    }

    /** True when a MatMul with this weight quantizer and weight shape can be written dynamically. */
    static boolean supports(WeightQuantizer q, long[] weightShape) {
        return weightShape.length == 2 && q.symmetric() && q.bits() <= 8 && (q.axis() < 0 || q.axis() == 1);
    }

    /**
     * The nodes that replace the MatMul and the initializers they read.
     *
     * @param matMul the original MatMul (input 0 the activation, input 1 the weight)
     * @param weight its float weight [K, N]
     * @param q      the weight quantizer ({@link #supports})
     * @param input  the quantized activation
     * @param names  gives unique tensor names
     */
    static OnnxNodeReplacement rewrite(NodeProto matMul, TensorProto weight, WeightQuantizer q,
                                                   QuantizedInput input, UnaryOperator<String> names) {
        return rewrite(matMul, weight, q, input, null, null, names);
    }

    /**
     * As {@link #rewrite(NodeProto, TensorProto, WeightQuantizer, QuantizedInput, UnaryOperator)}, with the
     * weight's rows multiplied ({@link OnnxOutlierChannels#divide}; each column's scale grows with its largest
     * value, so the plan's clipping ratio is kept) and columns zeroed ({@link OnnxOutlierColumns}).
     *
     * @param rowMultipliers per weight row, or null
     * @param zeroColumns    weight columns written as 0, or null
     */
    static OnnxNodeReplacement rewrite(NodeProto matMul, TensorProto weight, WeightQuantizer q, QuantizedInput input,
                                       float[] rowMultipliers, int[] zeroColumns, UnaryOperator<String> names) {
        long[] shape = OnnxTensorProtos.shape(weight);
        float[] values = OnnxTensorProtos.floats(weight);
        int cols = (int) shape[1];
        if (rowMultipliers != null) {
            float[] scaled = values.clone();
            for (int i = 0; i < scaled.length; i++) {
                scaled[i] *= rowMultipliers[i / cols];
            }
            q = grown(q, values, scaled, cols);
            values = scaled;
        }
        if (zeroColumns != null) {
            // values is this method's own copy (floats() decodes a new array)
            for (int r = 0; r < values.length / cols; r++) {
                for (int c : zeroColumns) {
                    values[r * cols + c] = 0f;
                }
            }
        }
        boolean half = fitsHalf(q.scales());
        if (half) {
            q = halfScales(q);
        }
        byte[] qv = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            qv[i] = (byte) q.quantize(values[i], i % cols);
        }
        float[] scales = q.scales();
        long[] paramShape = q.axis() < 0 ? new long[0] : new long[] {scales.length};
        String base = weight.getName();
        String qName = names.apply(base + "_quantized");
        String sName = names.apply(base + "_scale");
        String out = matMul.getOutput(0);
        String acc = names.apply(out + "_int32");
        String accF = names.apply(out + "_int32_cast");
        String scale = names.apply(out + "_scale");
        List<TensorProto> inits = new ArrayList<>();
        inits.add(OnnxTensorProtos.ofBytes(qName, OnnxTensorProtos.INT8, shape, qv));
        List<NodeProto> nodes = new ArrayList<>();
        String scaleF = sName;
        if (half) {
            // float16 scales (the int8 values were computed with exactly these): ORT folds the Cast at load
            byte[] h = new byte[scales.length * 2];
            for (int c = 0; c < scales.length; c++) {
                short v = OnnxHalfFloats.fromFiniteFloat(scales[c]);
                h[2 * c] = (byte) v;
                h[2 * c + 1] = (byte) (v >> 8);
            }
            inits.add(OnnxTensorProtos.ofBytes(sName, TensorProto.DataType.FLOAT16_VALUE, paramShape, h));
            scaleF = names.apply(base + "_scale_float");
            nodes.add(NodeProto.newBuilder().setOpType("Cast").addInput(sName).addOutput(scaleF)
                    .addAttribute(AttributeProto.newBuilder().setName("to").setType(AttributeProto.AttributeType.INT)
                            .setI(OnnxTensorProtos.FLOAT)).build());
        } else {
            inits.add(OnnxTensorProtos.ofFloats(sName, paramShape, scales));
        }
        // symmetric weights: the weight zero point is left out (MatMulInteger's default 0), N bytes less per MatMul
        nodes.addAll(List.of(
                NodeProto.newBuilder().setOpType("MatMulInteger").setName(matMul.getName())
                        .addInput(input.values()).addInput(qName).addInput(input.zeroPoint())
                        .addOutput(acc).build(),
                NodeProto.newBuilder().setOpType("Cast").addInput(acc).addOutput(accF)
                        .addAttribute(AttributeProto.newBuilder().setName("to").setType(AttributeProto.AttributeType.INT)
                                .setI(OnnxTensorProtos.FLOAT)).build(),
                NodeProto.newBuilder().setOpType("Mul").addInput(input.scale()).addInput(scaleF).addOutput(scale).build(),
                NodeProto.newBuilder().setOpType("Mul").addInput(accF).addInput(scale).addOutput(out).build()));
        return new OnnxNodeReplacement(nodes, inits);
    }

    /** True when every scale is a normal float16 number (no precision lost beyond float16's 11 bits). */
    private static boolean fitsHalf(float[] scales) {
        for (float s : scales) {
            if (!(s >= OnnxHalfFloats.MIN_NORMAL && s <= OnnxHalfFloats.MAX)) {
                return false;
            }
        }
        return true;
    }

    /** {@code q} with its scales rounded to float16, so the int8 values match the stored scales. */
    private static WeightQuantizer halfScales(WeightQuantizer q) {
        float[] scales = q.scales();
        for (int c = 0; c < scales.length; c++) {
            scales[c] = OnnxHalfFloats.toFloat(OnnxHalfFloats.fromFiniteFloat(scales[c]));
        }
        return new WeightQuantizer(q.bits(), q.axis(), scales, q.zeroPoints(), q.narrowRange());
    }

    /** {@code q} with each scale grown by how much its column's (or the tensor's) largest magnitude grew. */
    private static WeightQuantizer grown(WeightQuantizer q, float[] before, float[] after, int cols) {
        int n = q.axis() < 0 ? 1 : cols;
        double[] maxBefore = new double[n];
        double[] maxAfter = new double[n];
        for (int i = 0; i < before.length; i++) {
            int c = q.axis() < 0 ? 0 : i % cols;
            maxBefore[c] = Math.max(maxBefore[c], Math.abs(before[i]));
            maxAfter[c] = Math.max(maxAfter[c], Math.abs(after[i]));
        }
        float[] scales = q.scales();
        for (int c = 0; c < scales.length; c++) {
            if (maxBefore[c] > 0 && maxAfter[c] > maxBefore[c]) {
                scales[c] = (float) (scales[c] * (maxAfter[c] / maxBefore[c]));
            }
        }
        return new WeightQuantizer(q.bits(), q.axis(), scales, q.zeroPoints(), q.narrowRange());
    }
}
