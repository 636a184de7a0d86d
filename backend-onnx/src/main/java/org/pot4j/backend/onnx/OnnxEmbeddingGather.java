package org.pot4j.backend.onnx;

import java.util.List;
import org.pot4j.api.model.QuantizableNode;
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
 * broadcast over the hidden axis with no Unsqueeze.
 */
final class OnnxEmbeddingGather {
    private OnnxEmbeddingGather() {
    }

    /** The binding of node {@code i} when it gathers rows of a float table along axis 0, else null. */
    static OnnxNodeBinding binding(OnnxGraph graph, int i) {
        NodeProto n = graph.node(i);
        if (n.getInputCount() != 2 || n.getOutputCount() != 1 || OnnxGraph.intAttribute(n, "axis", 0) != 0) {
            return null;
        }
        TensorProto table = graph.initializer(n.getInput(0));
        if (table == null || table.getDataType() != OnnxTensorProtos.FLOAT || table.getDimsCount() != 2
                || graph.isInitializer(n.getInput(1))) {
            return null;
        }
        long[] shape = OnnxTensorProtos.shape(table);
        QuantizableNode view = new QuantizableNode(n.getName(), n.getOpType(), List.of(), List.of(), n.getInput(0), shape,
                0, null, n.getOutput(0), -1);
        return new OnnxNodeBinding(view, i, 0, -1, -1, null);
    }

    /** True when {@code q} can be written after the gather (symmetric, one scale per row). */
    static boolean rowWise(WeightQuantizer q) {
        return q.axis() == 0 && q.symmetric();
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
        byte[] qv = new byte[values.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                qv[r * cols + c] = (byte) q.quantize(values[r * cols + c], r);
            }
        }
        String base = table.getName();
        String qName = names.apply(base + "_quantized");
        String sName = names.apply(base + "_row_scale");
        String ids = gather.getInput(1);
        String out = gather.getOutput(0);
        String gq = names.apply(out + "_quantized");
        String gf = names.apply(out + "_cast");
        String gs = names.apply(out + "_scale");
        TensorProto qt = OnnxTensorProtos.ofBytes(qName, OnnxTensorProtos.INT8, shape, qv);
        TensorProto st = OnnxTensorProtos.ofFloats(sName, new long[] {rows, 1}, q.scales());
        List<NodeProto> nodes = List.of(
                gather.toBuilder().setInput(0, qName).setOutput(0, gq).build(),
                NodeProto.newBuilder().setOpType("Gather").addInput(sName).addInput(ids).addOutput(gs).build(),
                NodeProto.newBuilder().setOpType("Cast").addInput(gq).addOutput(gf)
                        .addAttribute(AttributeProto.newBuilder().setName("to").setType(AttributeProto.AttributeType.INT)
                                .setI(OnnxTensorProtos.FLOAT)).build(),
                NodeProto.newBuilder().setOpType("Mul").addInput(gf).addInput(gs).addOutput(out).build());
        return new OnnxNodeReplacement(nodes, List.of(qt, st));
    }
}
