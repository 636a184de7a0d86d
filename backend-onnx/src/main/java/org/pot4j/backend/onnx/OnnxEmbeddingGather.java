package org.pot4j.backend.onnx;

import java.util.List;
import org.pot4j.api.quant.WeightQuantizer;
import org.pot4j.backend.onnx.proto.OnnxProtos.AttributeProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.NodeProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.TensorProto;

/**
 * Embedding tables: a {@code Gather} whose data is a float initializer of rank 2 ({@code [rows, hidden]},
 * word/position/token-type embeddings of a transformer). It is listed as a weighted node with no
 * activation quantizers and per-row scales (channel axis 0), so the table is stored as int8 and
 * AccuracyAware can revert it like any weight.
 *
 * <p>Written with the dequantization <b>after</b> the gather, as ONNX Runtime's own dynamic quantizer
 * does: {@code Gather(int8 table, ids) -> Cast -> Mul(Gather(scales[rows,1], ids))}. Only the gathered
 * rows are converted per run ({@code batch x seq x hidden} values); a {@code DequantizeLinear} before the
 * gather would convert the whole table (30522 x 384 for BERT) on every run, because ORT does not
 * constant-fold DequantizeLinear. The scale table has shape {@code [rows, 1]}, so the gathered scales
 * broadcast over the hidden axis with no Unsqueeze. It is stored as float16 (half the bytes: 61 KB
 * less for BERT's 30522 rows, which is what keeps the file at or below ONNX Runtime's own quantized
 * twin, whose single per-tensor scale costs nothing) and the table is quantized with those rounded
 * scales, so the int8 values and the dequantization agree exactly; float16 keeps 11 significant bits,
 * far finer than the int8 step.
 */
final class OnnxEmbeddingGather {
    private OnnxEmbeddingGather() {
    }

    /** True when {@code q} can be written after the gather (symmetric, one scale per row). */
    static boolean rowWise(WeightQuantizer q) {
        if (q.axis() != 0 || !q.symmetric()) {
            return false;
        }
        for (float s : q.scales()) {
            if (!(s >= OnnxHalfFloats.MIN_NORMAL && s <= OnnxHalfFloats.MAX)) {
                return false; // outside float16's normal range: the DequantizeLinear-before layout keeps float scales
            }
        }
        return true;
    }

    /**
     * The nodes that replace the gather and the initializers they read.
     *
     * @param gather   the original Gather
     * @param table    its float table
     * @param q        per-row symmetric quantizer ({@link #rowWise})
     * @param names    gives unique tensor names
     */
    static OnnxNodeReplacement rewrite(NodeProto gather, TensorProto table, WeightQuantizer q, java.util.function.UnaryOperator<String> names) {
        long[] shape = OnnxTensorProtos.shape(table);
        float[] values = OnnxTensorProtos.floats(table);
        int rows = (int) shape[0];
        int cols = (int) shape[1];
        float[] scales = q.scales();
        byte[] half = new byte[rows * 2];
        for (int r = 0; r < rows; r++) {
            short h = OnnxHalfFloats.fromFloat(scales[r]);
            half[2 * r] = (byte) h;
            half[2 * r + 1] = (byte) (h >> 8);
            float rounded = OnnxHalfFloats.toFloat(h);
            scales[r] = rounded > 0 && Float.isFinite(rounded) ? rounded : scales[r];
        }
        WeightQuantizer stored = new WeightQuantizer(q.bits(), 0, scales, new int[rows], q.narrowRange());
        byte[] qv = new byte[values.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                qv[r * cols + c] = (byte) stored.quantize(values[r * cols + c], r);
            }
        }
        String base = table.getName();
        String qName = names.apply(base + "_quantized");
        String sName = names.apply(base + "_row_scale");
        String ids = gather.getInput(1);
        String out = gather.getOutput(0);
        String gq = names.apply(out + "_quantized");
        String gf = names.apply(out + "_cast");
        String gs16 = names.apply(out + "_scale_half");
        String gs = names.apply(out + "_scale");
        TensorProto qt = OnnxTensorProtos.ofBytes(qName, OnnxTensorProtos.INT8, shape, qv);
        TensorProto st = OnnxTensorProtos.ofBytes(sName, TensorProto.DataType.FLOAT16_VALUE, new long[] {rows, 1}, half);
        List<NodeProto> nodes = List.of(
                gather.toBuilder().setInput(0, qName).setOutput(0, gq).build(),
                NodeProto.newBuilder().setOpType("Gather").addInput(sName).addInput(ids).addOutput(gs16).build(),
                NodeProto.newBuilder().setOpType("Cast").addInput(gs16).addOutput(gs)
                        .addAttribute(AttributeProto.newBuilder().setName("to").setType(AttributeProto.AttributeType.INT)
                                .setI(OnnxTensorProtos.FLOAT)).build(),
                NodeProto.newBuilder().setOpType("Cast").addInput(gq).addOutput(gf)
                        .addAttribute(AttributeProto.newBuilder().setName("to").setType(AttributeProto.AttributeType.INT)
                                .setI(OnnxTensorProtos.FLOAT)).build(),
                NodeProto.newBuilder().setOpType("Mul").addInput(gf).addInput(gs).addOutput(out).build());
        return new OnnxNodeReplacement(nodes, List.of(qt, st));
    }
}
