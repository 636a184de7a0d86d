package org.pot4j.backend.onnx;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.pot4j.backend.onnx.proto.OnnxProtos.AttributeProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.NodeProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.TensorProto;

/**
 * Outlier channels of a dynamically quantized MatMul input computed in float
 * ({@link org.pot4j.api.quant.QuantizationPlan#floatChannels()}): the integer product sees the input with
 * those channels zeroed, so they no longer set the run-time int8 range, and a small float product over the
 * matching weight rows adds them back:
 * <pre>
 * x_int = Mul(x, Cast(keep[K] uint8))     keep: 1, 0 at the outlier channels    once per input tensor
 * x_out = Gather(x, channels, axis=-1)    [.., k]                                once per input tensor
 * y     = DynamicQuantizeMatMul(x_int, W) + MatMul(x_out, Cast(W[channels, :] as float16))
 * </pre>
 * The float rows are stored as float16 (half the bytes; ORT folds the Cast once at load) and the int8
 * weight keeps its rows for those channels (they multiply zeros), so the integer weight is unchanged.
 *
 * <p>This masked split is the layout of last resort: the writer prefers {@link OnnxOutlierColumns} (an
 * activation function's output: the channels never enter the integer path) and {@link #divide} (other
 * inputs, when the plan has {@link org.pot4j.api.quant.QuantizationPlan#channelDivisors()}), which do not
 * run a mask, a gather and an [tokens, N] Add per MatMul (measured on MiniLM-L6 at batch 32: the split made
 * the INT8 model 1.5x slower than without outlier channels).
 */
final class OnnxOutlierChannels {
    private OnnxOutlierChannels() {
    }

    /** The masked input that is quantized, the gathered outlier channels, and the nodes making them. */
    record Split(String masked, String outliers, int[] channels, List<NodeProto> nodes, List<TensorProto> initializers) {
    }

    /** True when every channel indexes a row of the [K, N] weight (a plan made for this model). */
    static boolean fits(int[] channels, long[] weightShape) {
        if (channels.length == 0 || weightShape.length != 2) {
            return false;
        }
        for (int c : channels) {
            if (c < 0 || c >= weightShape[0]) {
                return false;
            }
        }
        return true;
    }

    /** The mask and gather of input {@code x} with {@code k} channels on its last axis. */
    static Split split(String x, int[] channels, int k, UnaryOperator<String> names) {
        byte[] keep = new byte[k];
        java.util.Arrays.fill(keep, (byte) 1);
        long[] idx = new long[channels.length];
        for (int i = 0; i < channels.length; i++) {
            keep[channels[i]] = 0;
            idx[i] = channels[i];
        }
        String keep8 = names.apply(x + "_inlier_mask_u8");
        String keepName = names.apply(x + "_inlier_mask");
        String idxName = names.apply(x + "_outlier_channels");
        String masked = names.apply(x + "_inliers");
        String outliers = names.apply(x + "_outliers");
        // the mask is stored as uint8 (a quarter of the bytes) and cast once: ORT folds the Cast at load
        List<TensorProto> inits = List.of(OnnxTensorProtos.ofBytes(keep8, OnnxTensorProtos.UINT8, new long[] {k}, keep),
                longs(idxName, idx));
        List<NodeProto> nodes = List.of(
                NodeProto.newBuilder().setOpType("Cast").addInput(keep8).addOutput(keepName)
                        .addAttribute(AttributeProto.newBuilder().setName("to").setType(AttributeProto.AttributeType.INT)
                                .setI(OnnxTensorProtos.FLOAT)).build(),
                NodeProto.newBuilder().setOpType("Mul").addInput(x).addInput(keepName).addOutput(masked).build(),
                NodeProto.newBuilder().setOpType("Gather").addInput(x).addInput(idxName).addOutput(outliers)
                        .addAttribute(AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT)
                                .setI(-1)).build());
        return new Split(masked, outliers, channels.clone(), nodes, inits);
    }

    /** The divided input of {@link #divide}: the Mul that makes it and the weight row multipliers. */
    record Divided(String scaled, float[] rowMultipliers, List<NodeProto> nodes, TensorProto initializer) {
    }

    /**
     * {@code x} with each outlier channel divided by its divisor ({@code Mul} by the reciprocals, once per input
     * tensor); every MatMul reading it multiplies the matching weight rows by the divisors, so the product is
     * unchanged while the other channels set the int8 range. One element-wise op and no float product.
     */
    static Divided divide(String x, int[] channels, float[] divisors, int k, UnaryOperator<String> names) {
        float[] inverse = new float[k];
        float[] rows = new float[k];
        java.util.Arrays.fill(inverse, 1f);
        java.util.Arrays.fill(rows, 1f);
        for (int i = 0; i < channels.length; i++) {
            inverse[channels[i]] = 1f / divisors[i];
            rows[channels[i]] = divisors[i];
        }
        // the reciprocals are stored as float16 (half the bytes; ORT folds the Cast at load) and the weight rows
        // are multiplied by the reciprocal of the stored value, so the product stays exact
        byte[] half = new byte[2 * k];
        for (int c = 0; c < k; c++) {
            short h = OnnxHalfFloats.fromFiniteFloat(inverse[c]);
            half[2 * c] = (byte) h;
            half[2 * c + 1] = (byte) (h >> 8);
            rows[c] = 1f / OnnxHalfFloats.toFloat(h);
        }
        String name = names.apply(x + "_outlier_divisors");
        String nameF = names.apply(x + "_outlier_divisors_float");
        String scaled = names.apply(x + "_divided");
        List<NodeProto> nodes = List.of(
                NodeProto.newBuilder().setOpType("Cast").addInput(name).addOutput(nameF)
                        .addAttribute(AttributeProto.newBuilder().setName("to").setType(AttributeProto.AttributeType.INT)
                                .setI(OnnxTensorProtos.FLOAT)).build(),
                NodeProto.newBuilder().setOpType("Mul").addInput(x).addInput(nameF).addOutput(scaled).build());
        return new Divided(scaled, rows, nodes,
                OnnxTensorProtos.ofBytes(name, TensorProto.DataType.FLOAT16_VALUE, new long[] {k}, half));
    }

    private static TensorProto longs(String name, long[] values) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(values.length * 8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(values);
        return OnnxTensorProtos.ofBytes(name, OnnxTensorProtos.INT64, new long[] {values.length}, b.array());
    }

    /**
     * The float product of the outlier channels for one MatMul, added to its integer product.
     *
     * @param integerOut the output of the integer MatMul (renamed)
     * @param out        the original MatMul output, which the sum now produces
     * @param weight     the float weight [K, N]
     */
    static OnnxNodeReplacement addBack(Split split, String integerOut, String out, TensorProto weight, UnaryOperator<String> names) {
        long[] shape = OnnxTensorProtos.shape(weight);
        OnnxTensorProtos.FloatView w = OnnxTensorProtos.view(weight);
        int cols = (int) shape[1];
        int k = split.channels().length;
        byte[] half = new byte[k * cols * 2];
        for (int r = 0; r < k; r++) {
            int row = split.channels()[r];
            for (int c = 0; c < cols; c++) {
                short h = OnnxHalfFloats.fromFiniteFloat(w.get(row * cols + c));
                int at = 2 * (r * cols + c);
                half[at] = (byte) h;
                half[at + 1] = (byte) (h >> 8);
            }
        }
        String rows16 = names.apply(weight.getName() + "_outlier_rows");
        String rows = names.apply(weight.getName() + "_outlier_rows_float");
        String side = names.apply(out + "_outliers");
        List<NodeProto> nodes = new ArrayList<>();
        nodes.add(NodeProto.newBuilder().setOpType("Cast").addInput(rows16).addOutput(rows)
                .addAttribute(AttributeProto.newBuilder().setName("to").setType(AttributeProto.AttributeType.INT)
                        .setI(OnnxTensorProtos.FLOAT)).build());
        nodes.add(NodeProto.newBuilder().setOpType("MatMul").addInput(split.outliers()).addInput(rows).addOutput(side).build());
        nodes.add(NodeProto.newBuilder().setOpType("Add").addInput(integerOut).addInput(side).addOutput(out).build());
        return new OnnxNodeReplacement(nodes,
                List.of(OnnxTensorProtos.ofBytes(rows16, TensorProto.DataType.FLOAT16_VALUE, new long[] {k, cols}, half)));
    }
}
