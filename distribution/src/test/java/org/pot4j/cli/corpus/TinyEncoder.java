package org.pot4j.cli.corpus;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.pot4j.backend.onnx.proto.OnnxProtos.AttributeProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.GraphProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.ModelProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.NodeProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.OperatorSetIdProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.TensorProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.TensorShapeProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.TypeProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.ValueInfoProto;

/**
 * A tiny BERT-style encoder for the corpus's encoder cases, built as BERT's ONNX export builds its
 * embeddings: a word table of {@value #VOCAB} rows gathered by {@code input_ids}, a position table of
 * {@value #POSITIONS} rows gathered by {@code position_ids[:, :seq]} (seq from {@code Shape(input_ids)}),
 * masked by {@code attention_mask}, then one MatMul: {@code [N, seq] -> [N, seq, 8]}.
 */
final class TinyEncoder {
    static final int VOCAB = 100;
    static final int POSITIONS = 16;
    private static final int HIDDEN = 8;

    private TinyEncoder() {
    }

    static void write(Path file) throws IOException {
        Random r = new Random(5);
        GraphProto.Builder g = GraphProto.newBuilder().setName("tiny-encoder");
        g.addInitializer(floats("word_embeddings", r, VOCAB, HIDDEN));
        g.addInitializer(floats("position_embeddings", r, POSITIONS, HIDDEN));
        g.addInitializer(floats("dense", r, HIDDEN, HIDDEN));
        long[] positions = new long[POSITIONS];
        for (int i = 0; i < POSITIONS; i++) {
            positions[i] = i;
        }
        g.addInitializer(longs("position_ids", new long[] {1, POSITIONS}, positions));
        g.addInitializer(longs("zero", new long[] {1}, new long[] {0}));
        g.addInitializer(longs("one", new long[] {1}, new long[] {1}));
        g.addInitializer(longs("two", new long[] {1}, new long[] {2}));
        g.addInitializer(longs("seq_axis", new long[] {}, new long[] {1}));
        g.addNode(node("Gather", List.of("word_embeddings", "input_ids"), "words"));
        g.addNode(node("Shape", List.of("input_ids"), "shape"));
        g.addNode(node("Gather", List.of("shape", "seq_axis"), "seq"));
        g.addNode(node("Unsqueeze", List.of("seq", "zero"), "seq1"));
        g.addNode(node("Slice", List.of("position_ids", "zero", "seq1", "one"), "pids"));
        g.addNode(node("Gather", List.of("position_embeddings", "pids"), "positions"));
        g.addNode(node("Add", List.of("words", "positions"), "embedded"));
        NodeProto.Builder cast = node("Cast", List.of("attention_mask"), "maskf").toBuilder()
                .addAttribute(AttributeProto.newBuilder().setName("to").setType(AttributeProto.AttributeType.INT).setI(1));
        g.addNode(cast);
        g.addNode(node("Unsqueeze", List.of("maskf", "two"), "mask3"));
        g.addNode(node("Mul", List.of("embedded", "mask3"), "masked"));
        g.addNode(node("MatMul", List.of("masked", "dense"), "hidden"));
        g.addInput(ids("input_ids")).addInput(ids("attention_mask"));
        g.addOutput(ValueInfoProto.newBuilder().setName("hidden")
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(1))));
        ModelProto m = ModelProto.newBuilder().setIrVersion(8).setProducerName("pot4j-corpus")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(13)).setGraph(g).build();
        Files.write(file, m.toByteArray());
    }

    private static NodeProto node(String op, List<String> inputs, String output) {
        return NodeProto.newBuilder().setOpType(op).setName(output).addAllInput(inputs).addOutput(output).build();
    }

    private static ValueInfoProto ids(String name) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder()
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("batch"))
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("seq"));
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.INT64_VALUE).setShape(s))).build();
    }

    private static TensorProto floats(String name, Random r, int rows, int cols) {
        ByteBuffer b = ByteBuffer.allocate(rows * cols * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < rows * cols; i++) {
            b.putFloat((float) r.nextGaussian() * 0.5f);
        }
        return TensorProto.newBuilder().setName(name).addDims(rows).addDims(cols)
                .setDataType(TensorProto.DataType.FLOAT_VALUE).setRawData(ByteString.copyFrom(b.array())).build();
    }

    private static TensorProto longs(String name, long[] shape, long[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            b.putLong(v);
        }
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE)
                .setRawData(ByteString.copyFrom(b.array()));
        for (long d : shape) {
            t.addDims(d);
        }
        return t.build();
    }
}
