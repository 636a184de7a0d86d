package org.pot4j.backend.tensorflow;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pot4j.api.model.QuantizableNode;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;

/**
 * Finds the quantizable nodes of a frozen graph: {@code Conv2D}, {@code DepthwiseConv2dNative} and
 * {@code MatMul} whose weight is a constant (after freezing), with the {@code BiasAdd} that
 * follows them.
 *
 * <p>Layouts are TensorFlow's: Conv2D weights HWIO (output channels on axis 3), depthwise HWCM
 * (axis 2: one scale per input channel and its multipliers), MatMul [in, out] (axis 1, or 0 with
 * {@code transpose_b}). Activations are NHWC, so the channel axis of outputs is the last one.
 *
 * <p>Each node lists its data input as activation input. Its output (after the bias and a fused
 * ReLU) is listed as activation output only when it flows into an op that merges streams (a
 * residual {@code Add}, {@code ConcatV2}...), because an integer runtime must hold it in 8 bits
 * there; where it flows only into other quantized nodes their input quantizers cover it.
 */
final class TfGraphAnalyzer {
    static final Set<String> QUANTIZABLE_OPS = Set.of("Conv2D", "DepthwiseConv2dNative", "MatMul");
    /** Ops that pass values through without arithmetic that would change a quantization range much. */
    private static final Set<String> TRANSPARENT_OPS = Set.of("Identity", "IdentityN", "Reshape", "Squeeze", "ExpandDims",
            "MaxPool", "Pad", "Relu", "Relu6", "Transpose", "StopGradient");
    /** Ops that combine streams; their inputs need their own quantizers in an integer runtime. */
    private static final Set<String> MERGE_OPS = Set.of("Add", "AddV2", "AddN", "ConcatV2", "Concat", "Mul", "Sub",
            "Maximum", "Minimum");
    private static final Set<String> FUSED_ACTIVATIONS = Set.of("Relu", "Relu6");
    /** Ops a constant's name is traced back through to name the weight or bias after its source. */
    private static final Set<String> SOURCE_FORWARDERS = Set.of("Identity", "Reshape", "Squeeze", "ExpandDims");

    private final GraphDef graph;
    private final Graph tfGraph;
    private final Map<String, NodeDef> nodes;
    private final Map<String, List<TfGraphDefs.Use>> consumers;
    private final Set<String> constants = new HashSet<>();

    private TfGraphAnalyzer(GraphDef graph, Graph tfGraph) {
        this.graph = graph;
        this.tfGraph = tfGraph;
        this.nodes = TfGraphDefs.index(graph);
        this.consumers = TfGraphDefs.consumers(graph);
    }

    /** The quantizable nodes of {@code graph} (imported as {@code tfGraph}), in topological order. */
    static List<TfNodeInfo> analyze(GraphDef graph, Graph tfGraph) {
        return new TfGraphAnalyzer(graph, tfGraph).run();
    }

    private List<TfNodeInfo> run() {
        List<NodeDef> order = TfGraphDefs.topologicalOrder(graph);
        constants.addAll(TfConstants.of(graph));
        List<TfNodeInfo> out = new ArrayList<>();
        for (NodeDef n : order) {
            if (isQuantizable(n) && shapeOrNull(TfNames.canonical(n.getInput(1))) != null) {
                out.add(describe(n));
            }
        }
        return out;
    }

    private boolean constant(String tensor) {
        return constants.contains(TfNames.opName(tensor));
    }

    /** A float op of a quantizable type that multiplies a variable activation by a constant weight. */
    private boolean isQuantizable(NodeDef n) {
        if (!QUANTIZABLE_OPS.contains(n.getOp()) || n.getInputCount() < 2) {
            return false;
        }
        AttrValue t = n.getAttrMap().get("T");
        if (t == null || t.getType() != org.tensorflow.proto.DataType.DT_FLOAT) {
            return false;
        }
        if (n.getOp().equals("MatMul") && attrBool(n, "transpose_a")) {
            return false;
        }
        return !constant(n.getInput(0)) && constant(n.getInput(1));
    }

    private TfNodeInfo describe(NodeDef n) {
        String weightTensor = TfNames.canonical(n.getInput(1));
        long[] weightShape = shape(weightTensor);
        int weightAxis;
        int outputAxis;
        boolean nchw = dataFormat(n).equals("NCHW");
        switch (n.getOp()) {
            case "Conv2D":
                weightAxis = 3;
                outputAxis = nchw ? 1 : 3;
                break;
            case "DepthwiseConv2dNative":
                weightAxis = 2;
                outputAxis = nchw ? 1 : 3;
                break;
            default:
                weightAxis = attrBool(n, "transpose_b") ? 0 : 1;
                outputAxis = 1;
                break;
        }
        String output = TfNames.tensor(n.getName(), 0);
        String biasOp = null;
        int biasInput = -1;
        String biasTensor = null;
        List<TfGraphDefs.Use> uses = consumers.getOrDefault(output, List.of());
        if (uses.size() == 1) {
            NodeDef user = uses.get(0).node();
            int other = 1 - uses.get(0).inputIndex();
            boolean biasAdd = user.getOp().equals("BiasAdd") && uses.get(0).inputIndex() == 0
                    && dataFormat(user).equals(nchw ? "NCHW" : "NHWC");
            boolean add = (user.getOp().equals("Add") || user.getOp().equals("AddV2")) && user.getInputCount() == 2;
            if ((biasAdd || add) && constant(user.getInput(other)) && isChannelVector(user.getInput(other), weightShape[weightAxis] * depthMultiplier(n, weightShape))
                    && (biasAdd || outputAxis == rankOf(output) - 1)) {
                biasOp = user.getName();
                biasInput = other;
                biasTensor = TfNames.canonical(user.getInput(other));
                output = TfNames.tensor(user.getName(), 0);
            }
        }
        String fused = output;
        List<TfGraphDefs.Use> after = consumers.getOrDefault(fused, List.of());
        if (after.size() == 1 && FUSED_ACTIVATIONS.contains(after.get(0).node().getOp())) {
            fused = TfNames.tensor(after.get(0).node().getName(), 0);
        }
        List<String> activationOutputs = feedsMerge(fused) ? List.of(fused) : List.of();
        QuantizableNode node = new QuantizableNode(n.getName(), n.getOp(), List.of(TfNames.canonical(n.getInput(0))),
                activationOutputs, sourceName(weightTensor), weightShape, weightAxis,
                biasTensor == null ? null : sourceName(biasTensor), output, outputAxis);
        return new TfNodeInfo(node, 1, weightTensor, biasOp, biasInput, biasTensor);
    }

    /** Output channels per weight channel: the depth multiplier M of a depthwise HWCM weight, 1 otherwise. */
    private static long depthMultiplier(NodeDef n, long[] weightShape) {
        return n.getOp().equals("DepthwiseConv2dNative") && weightShape.length == 4 ? weightShape[3] : 1;
    }

    private boolean isChannelVector(String tensor, long channels) {
        long[] s = shapeOrNull(TfNames.canonical(tensor));
        return s != null && s.length == 1 && s[0] == channels;
    }

    private int rankOf(String tensor) {
        long[] s = shapeOrNull(tensor);
        return s == null ? -1 : s.length;
    }

    /** True when {@code tensor} reaches a stream-merging op through pass-through ops only. */
    private boolean feedsMerge(String tensor) {
        Deque<String> todo = new ArrayDeque<>();
        Set<String> seen = new HashSet<>();
        todo.add(tensor);
        while (!todo.isEmpty()) {
            String t = todo.poll();
            if (!seen.add(t)) {
                continue;
            }
            for (TfGraphDefs.Use use : consumers.getOrDefault(t, List.of())) {
                String op = use.node().getOp();
                if (MERGE_OPS.contains(op)) {
                    return true;
                }
                if (TRANSPARENT_OPS.contains(op)) {
                    todo.add(TfNames.tensor(use.node().getName(), op.equals("IdentityN") ? use.inputIndex() : 0));
                }
            }
        }
        return false;
    }

    /** The name of the Const a tensor comes from, through reshaping and identity ops (for readable names). */
    private String sourceName(String tensor) {
        NodeDef n = nodes.get(TfNames.opName(tensor));
        for (int hops = 0; n != null && SOURCE_FORWARDERS.contains(n.getOp()) && hops < 100; hops++) {
            NodeDef next = nodes.get(TfNames.opName(n.getInput(0)));
            if (next == null) {
                break;
            }
            n = next;
        }
        return n == null ? TfNames.opName(tensor) : n.getName();
    }

    private long[] shape(String tensor) {
        long[] s = shapeOrNull(tensor);
        if (s == null) {
            throw new IllegalStateException("unknown static shape of " + tensor);
        }
        return s;
    }

    private long[] shapeOrNull(String tensor) {
        GraphOperation op = tfGraph.operation(TfNames.opName(tensor));
        if (op == null) {
            return null;
        }
        Shape s = op.output(TfNames.outputIndex(tensor)).shape();
        return s.isUnknown() ? null : s.asArray();
    }

    private static boolean attrBool(NodeDef n, String name) {
        AttrValue v = n.getAttrMap().get(name);
        return v != null && v.getB();
    }

    private static String dataFormat(NodeDef n) {
        AttrValue v = n.getAttrMap().get("data_format");
        return v == null || v.getS().isEmpty() ? "NHWC" : v.getS().toStringUtf8();
    }
}
