package org.pot4j.api.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.pot4j.api.graph.PlacementRules.ConvFeed;
import org.pot4j.api.graph.PlacementRules.KernelRule;
import org.pot4j.api.model.QuantizableNode;

/**
 * The one placement on small neutral graphs: what each rule lists, under a chaining runtime (region,
 * as ONNX Runtime) and a runtime that fuses only right after a convolution (source, as the
 * TensorFlow and libtorch writers). Each backend's own fixtures are checked against golden lists.
 */
class QuantizerPlacementTest {
    private static final Set<NodeKind> SHARED = Set.of(NodeKind.MAX_POOL, NodeKind.PASS_THROUGH);
    private static final PlacementRules REGION = new PlacementRules(
            Map.of(NodeKind.ADD, KernelRule.AFTER_CONV, NodeKind.SOFTMAX, KernelRule.AFTER_CONV,
                    NodeKind.GLOBAL_AVG_POOL, KernelRule.AFTER_CONV, NodeKind.MATMUL, new KernelRule(false, false, -1)),
            SHARED, Set.of(NodeKind.SPLIT), ConvFeed.REGION,
            Set.of(NodeKind.ADD, NodeKind.SOFTMAX, NodeKind.GLOBAL_AVG_POOL, NodeKind.MAX_POOL, NodeKind.PASS_THROUGH,
                    NodeKind.SPLIT, NodeKind.RELU, NodeKind.CLIP),
            true);
    private static final PlacementRules SOURCE = new PlacementRules(
            Map.of(NodeKind.ADD, KernelRule.AFTER_CONV, NodeKind.REDUCE_MEAN, new KernelRule(false, true, 4)),
            SHARED, Set.of(), ConvFeed.SOURCE, Set.of(), false);

    /** A graph under construction: input "x" and node outputs are float activations, "w*"/"b*" weights. */
    private static final class G {
        final List<GraphNode> nodes = new ArrayList<>();
        final Set<String> outputs = new HashSet<>();
        final Map<String, Integer> ranks = new HashMap<>();

        G conv(String id, String in, String out) {
            nodes.add(new GraphNode(id, "Conv", NodeKind.CONV, List.of(in, "w" + id), List.of(out), "w" + id,
                    new long[] {4, 4, 3, 3}, 0, "b" + id, out, 1));
            return this;
        }

        G linear(String id, String in, String out) {
            nodes.add(new GraphNode(id, "MatMul", NodeKind.MATMUL, List.of(in, "w" + id), List.of(out), "w" + id,
                    new long[] {4, 4}, 1, null, out, 1));
            return this;
        }

        G op(String id, NodeKind kind, String out, String... ins) {
            nodes.add(GraphNode.of(id, kind.name(), kind, List.of(ins), List.of(out)));
            return this;
        }

        G output(String t) {
            outputs.add(t);
            return this;
        }

        List<QuantizableNode> place(PlacementRules rules) {
            Set<String> floats = new HashSet<>(Set.of("x", "y"));
            nodes.forEach(n -> floats.addAll(n.outputs()));
            return QuantizerPlacement.place(new GraphView(nodes, floats, outputs, ranks), rules).nodes();
        }
    }

    private static String row(QuantizableNode n) {
        return n.id() + " " + n.activationInputs() + " -> " + n.activationOutputs();
    }

    private static List<String> rows(List<QuantizableNode> nodes) {
        return nodes.stream().map(QuantizerPlacementTest::row).toList();
    }

    @Test
    void convQuantizesItsInputAndItsOutputAfterAFoldedRelu() {
        G g = new G().conv("c1", "x", "a").op("r", NodeKind.RELU, "ar", "a").op("p", NodeKind.MAX_POOL, "ap", "ar")
                .op("f", NodeKind.PASS_THROUGH, "af", "ap").conv("c2", "af", "o").output("o");
        assertEquals(List.of("c1 [x] -> [ar]", "c2 [ar] -> [o]"), rows(g.place(REGION)),
                "the pool and the flatten share the ReLU output's quantizer");
        assertEquals(rows(g.place(REGION)), rows(g.place(SOURCE)));
    }

    @Test
    void aReluThatIsAlsoAModelOutputOrHasASecondReaderIsNotFolded() {
        G shared = new G().conv("c", "x", "a").op("r", NodeKind.RELU, "ar", "a").op("s", NodeKind.SOFTMAX, "p", "a");
        assertEquals(List.of("c [x] -> [a]"), rows(shared.place(SOURCE)));
        G output = new G().conv("c", "x", "a").op("r", NodeKind.RELU, "ar", "a").output("a");
        assertEquals(List.of("c [x] -> [a]"), rows(output.place(SOURCE)));
    }

    @Test
    void residualAddAfterAConvTakesItsInputsAndFusedOutputWithIt() {
        G g = new G().conv("c1", "x", "a").op("r1", NodeKind.RELU, "ar", "a").conv("c2", "ar", "b")
                .op("add", NodeKind.ADD, "s", "b", "ar").op("r2", NodeKind.RELU, "sr", "s").conv("c3", "sr", "o");
        List<String> expected = List.of("c1 [x] -> [ar]", "c2 [ar] -> [b]", "add [b, ar] -> [sr]", "c3 [sr] -> [o]");
        assertEquals(expected, rows(g.place(REGION)));
        assertEquals(expected, rows(g.place(SOURCE)));
    }

    @Test
    void regionChainsWeightlessKernelsWhereSourceStopsAfterTheFirst() {
        G g = new G().conv("c", "x", "a").op("add1", NodeKind.ADD, "s1", "a", "y").op("add2", NodeKind.ADD, "s2", "s1", "y");
        assertEquals(List.of("c [x] -> [a]", "add1 [a, y] -> [s1]", "add2 [s1, y] -> [s2]"), rows(g.place(REGION)));
        assertEquals(List.of("c [x] -> [a]", "add1 [a, y] -> [s1]"), rows(g.place(SOURCE)));
    }

    @Test
    void transformerAddsAndSoftmaxWithoutAConvUpstreamAreNotListed() {
        G g = new G().linear("q", "x", "qo").op("bias", NodeKind.ADD, "qb", "qo", "y").op("sm", NodeKind.SOFTMAX, "p", "qb")
                .op("scores", NodeKind.MATMUL, "s", "p", "qb");
        assertEquals(List.of("q [x] -> []", "scores [p, qb] -> []"), rows(g.place(REGION)),
                "the activation-by-activation MatMul is listed (float output), the Add and Softmax are not");
    }

    @Test
    void xPlusXIsNotAResidualAdd() {
        G g = new G().conv("c", "x", "a").op("double", NodeKind.ADD, "d", "a", "a");
        assertEquals(List.of("c [x] -> [a]"), rows(g.place(REGION)));
    }

    @Test
    void kernelRuleInputRankAndAlwaysListedPools() {
        G g = new G().conv("c", "x", "a").op("gap", NodeKind.REDUCE_MEAN, "m", "a").op("mean2", NodeKind.REDUCE_MEAN, "m2", "y");
        g.ranks.put("a", 4);
        g.ranks.put("y", 2);
        assertEquals(List.of("c [x] -> [a]", "gap [a] -> [m]"), rows(g.place(SOURCE)), "rank-4 mean only");
    }

    @Test
    void shapeReadTensorsKeepTheirQuantizerBelowTheReshapeOutsideTheRegion() {
        G g = new G().op("shape", NodeKind.SHAPE, "sx", "x").op("reshape", NodeKind.PASS_THROUGH, "rx", "x", "sx")
                .linear("fc", "rx", "o");
        assertEquals(List.of("fc [rx] -> []"), rows(g.place(REGION)), "keepShapeReadTensors: the trace stops");
        assertEquals(List.of("fc [x] -> []"), rows(g.place(SOURCE)), "without it, traced through the reshape");
    }

    @Test
    void splitIsSharedScaleOnlyInsideTheRegion() {
        G inRegion = new G().conv("c", "x", "a");
        inRegion.nodes.add(GraphNode.of("split", "Split", NodeKind.SPLIT, List.of("a"), List.of("a0", "a1")));
        inRegion.conv("c2", "a1", "o");
        assertEquals(List.of("c [x] -> [a]", "c2 [a] -> [o]"), rows(inRegion.place(REGION)));
        G outside = new G();
        outside.nodes.add(GraphNode.of("split", "Split", NodeKind.SPLIT, List.of("x"), List.of("x0", "x1")));
        outside.conv("c2", "x1", "o");
        assertEquals(List.of("c2 [x1] -> [o]"), rows(outside.place(REGION)));
    }

    @Test
    void anEmbeddingQuantizesOnlyItsTable() {
        G g = new G();
        g.nodes.add(new GraphNode("emb", "Gather", NodeKind.EMBEDDING, List.of("table", "ids"), List.of("e"), "table",
                new long[] {100, 8}, 0, null, "e", -1));
        List<QuantizableNode> nodes = g.place(REGION);
        assertEquals(List.of("emb [] -> []"), rows(nodes));
        assertEquals(NodeKind.EMBEDDING, nodes.get(0).kind());
    }

    @Test
    void placementReportsSharedScaleNodesAndTheRegionForTheWriter() {
        G g = new G().conv("c", "x", "a").op("p", NodeKind.MAX_POOL, "ap", "a").op("f", NodeKind.PASS_THROUGH, "fx", "x");
        Set<String> floats = new HashSet<>(Set.of("x"));
        g.nodes.forEach(n -> floats.addAll(n.outputs()));
        QuantizerPlacement.Placement p = QuantizerPlacement.place(new GraphView(g.nodes, floats, Set.of(), Map.of()), REGION);
        assertEquals(Set.of(1, 2), p.sharedScaleNodes());
        assertEquals(Set.of("a", "ap"), p.region());
        assertEquals(List.of(0), p.positions());
    }
}
