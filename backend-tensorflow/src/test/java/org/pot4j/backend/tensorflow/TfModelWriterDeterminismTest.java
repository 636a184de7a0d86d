package org.pot4j.backend.tensorflow;

import org.pot4j.testkit.MnistFixture;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SavedModel;

/**
 * Written model bytes do not depend on the order attribute maps were built in (it differed between
 * two loads of the same SavedModel, so two identical runs wrote different files).
 */
class TfModelWriterDeterminismTest {
    @TempDir
    Path dir;

    @Test
    void attributeOrderDoesNotChangeTheBytes() throws Exception {
        Path source = MnistFixture.examples().resolve("mnist-lenet/lenet_savedmodel/saved_model.pb");
        GraphDef graph = SavedModel.parseFrom(Files.readAllBytes(source)).getMetaGraphs(0).getGraphDef();
        GraphDef reversed = reverseAttributes(graph);
        assertFalse(java.util.Arrays.equals(graph.toByteArray(), reversed.toByteArray()),
                "the fixture must have nodes with several attributes, else this test proves nothing");
        TfModelWriter.writeGraphDef(graph, dir.resolve("a.pb"));
        TfModelWriter.writeGraphDef(reversed, dir.resolve("b.pb"));
        assertArrayEquals(Files.readAllBytes(dir.resolve("a.pb")), Files.readAllBytes(dir.resolve("b.pb")));
    }

    private static GraphDef reverseAttributes(GraphDef g) {
        GraphDef.Builder b = g.toBuilder().clearNode();
        for (NodeDef n : g.getNodeList()) {
            List<Map.Entry<String, AttrValue>> attrs = new ArrayList<>(n.getAttrMap().entrySet());
            java.util.Collections.reverse(attrs);
            NodeDef.Builder nb = n.toBuilder().clearAttr();
            attrs.forEach(e -> nb.putAttr(e.getKey(), e.getValue()));
            b.addNode(nb);
        }
        return b.build();
    }
}
