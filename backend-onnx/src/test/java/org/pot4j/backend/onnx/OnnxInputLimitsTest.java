package org.pot4j.backend.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.pot4j.api.Tensor;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.InputLimit;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.ModelBackend;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.backend.onnx.proto.OnnxProtos.GraphProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.ModelProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.TensorProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.TensorShapeProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.TypeProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.ValueInfoProto;

/** Token-id and sequence-length limits read from the embedding tables of real ONNX graphs. */
class OnnxInputLimitsTest {
    @Test
    void tokenIdsGatheredStraightFromAnInputAreBoundedByTheTableRows() {
        List<InputLimit> limits = limits(OnnxFixtures.file("embedding-net.onnx", OnnxTestModels.embeddingNet()));
        assertEquals(List.of(InputLimit.values("ids", 50, "embedding table 'emb' [50 x 16]")), limits);
    }

    @Test
    void bertStyleEmbeddingsBoundIdsTokenTypesAndTheSequenceLength() {
        java.nio.file.Path file = OnnxFixtures.file("bert-embeddings.onnx", bertEmbeddings());
        assertEquals(List.of(
                InputLimit.values("input_ids", 30, "embedding table 'word' [30 x 4]"),
                InputLimit.values("token_type_ids", 2, "embedding table 'types' [2 x 4]"),
                InputLimit.length("input_ids", 8, "position embedding table 'pos' [8 x 4]")), limits(file));
        // the graph is what ONNX Runtime runs: within the limits it does
        ModelBackend<OnnxLoadOptions> backend = new OnnxBackendProvider().create(null);
        try (Model model = backend.load(file);
             CompiledModel m = model.compile(QuantizationPlan.EMPTY, Set.of())) {
            Map<String, Tensor> out = m.infer(Map.of("input_ids", Tensor.ofLongs(new long[] {2, 8}, new long[16]),
                    "token_type_ids", Tensor.ofLongs(new long[] {2, 8}, new long[16])));
            assertEquals(List.of(2L, 8L, 4L), java.util.Arrays.stream(out.get("h").shape()).boxed().toList());
        } finally {
            backend.close();
        }
    }

    private static List<InputLimit> limits(java.nio.file.Path file) {
        ModelBackend<OnnxLoadOptions> backend = new OnnxBackendProvider().create(null);
        try (Model model = backend.load(file)) {
            return ((org.pot4j.api.model.InputLimits) model).inputLimits();
        } finally {
            backend.close();
        }
    }

    /**
     * BERT's exported embeddings: words by {@code input_ids}, token types through a {@code Cast}, positions
     * by {@code position_ids[:seq]} with seq from {@code Shape(input_ids)}.
     */
    static ModelProto bertEmbeddings() {
        OnnxTestModels.Builder b = new OnnxTestModels.Builder(9);
        b.he("word", 30, 4);
        b.he("types", 2, 4);
        b.he("pos", 8, 4);
        b.int64s("position_ids", 0, 1, 2, 3, 4, 5, 6, 7);
        b.int64s("zero", 0);
        b.int64s("one", 1);
        b.node("Gather", List.of("word", "input_ids"), List.of("w"), "word_gather");
        b.node("Cast", List.of("token_type_ids"), List.of("tt"), "tt_cast", OnnxTestModels.intAttr("to", 7));
        b.node("Gather", List.of("types", "tt"), List.of("t"), "type_gather");
        b.node("Shape", List.of("input_ids"), List.of("shape"), "shape");
        b.node("Gather", List.of("shape", "one"), List.of("seq"), "seq");
        b.node("Slice", List.of("position_ids", "zero", "seq", "zero"), List.of("pids"), "slice");
        b.node("Gather", List.of("pos", "pids"), List.of("p"), "pos_gather");
        b.node("Add", List.of("w", "t"), List.of("wt"), "add1");
        b.node("Add", List.of("wt", "p"), List.of("h"), "add2");
        ModelProto m = b.model(13, ids("input_ids"), ValueInfoProto.newBuilder().setName("h")
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(1))).build());
        GraphProto g = m.getGraph().toBuilder().addInput(ids("token_type_ids")).build();
        return m.toBuilder().setGraph(g).build();
    }

    private static ValueInfoProto ids(String name) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder()
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("batch"))
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("seq"));
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.INT64_VALUE).setShape(s))).build();
    }
}
