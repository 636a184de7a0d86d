package org.pot4j.backend.tensorflow;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pot4j.api.graph.GraphNode;
import org.pot4j.api.graph.GraphView;
import org.pot4j.api.graph.NodeKind;
import org.pot4j.api.graph.PlacementRules;
import org.pot4j.api.graph.PlacementRules.KernelRule;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;

/**
 * A frozen graph as a neutral {@link GraphView}: op types mapped to {@link NodeKind}s, and the
 * weights of {@code Conv2D}, {@code DepthwiseConv2dNative} and {@code MatMul} nodes whose weight is
 * a constant (after freezing), with the {@code BiasAdd} (or per-channel {@code Add}) that follows
 * them. Where quantizers go is decided by {@link org.pot4j.api.graph.QuantizerPlacement} under
 * {@link #RULES}.
 *
 * <p>Layouts are TensorFlow's: Conv2D weights HWIO (output channels on axis 3), depthwise HWCM
 * (axis 2: one scale per input channel and its multipliers), MatMul [in, out] (axis 1, or 0 with
 * {@code transpose_b}). Activations are NHWC, so the channel axis of outputs is the last one.
 */
final class TfGraphView {
    /**
     * What {@link TfInt8Lowering} runs on oneDNN's int8 kernels: a residual Add and a Concat right
     * after convolutions, average pooling and the global Mean of a 4-D feature map; MaxPool, zero Pad
     * and the reshape-like ops pass 8-bit values through.
     */
    static final PlacementRules RULES = new PlacementRules(
            Map.of(NodeKind.ADD, KernelRule.AFTER_CONV, NodeKind.CONCAT, KernelRule.AFTER_CONV,
                    NodeKind.AVG_POOL, new KernelRule(false, true, 4), NodeKind.REDUCE_MEAN, new KernelRule(false, true, 4)),
            Set.of(NodeKind.PASS_THROUGH, NodeKind.MAX_POOL, NodeKind.PAD),
            Set.of(),
            PlacementRules.ConvFeed.SOURCE,
            Set.of(),
            false);

    private static final Map<String, NodeKind> KINDS = kinds();
    static final Set<String> WEIGHTED_OPS = Set.of("Conv2D", "DepthwiseConv2dNative", "MatMul");
    /** Ops a constant's name is traced back through to name the weight or bias after its source. */
    private static final Set<String> SOURCE_FORWARDERS = Set.of("Identity", "Reshape", "Squeeze", "ExpandDims");

    /** Where a weighted node's weight and bias sit (see {@link TfNodeInfo}). */
    record Slots(int weightInput, String weightTensor, String biasOp, int biasInput, String biasTensor) {
        static final Slots NONE = new Slots(-1, null, null, -1, null);
    }

    /** The view and, by node id, where each weighted node's weight and bias sit. */
    record Built(GraphView view, Map<String, Slots> weighted) {
    }

    private record Described(GraphNode node, Slots slots) {
    }

    private final GraphDef graph;
    private final Graph tfGraph;
    private final Map<String, NodeDef> nodes;
    private final Map<String, List<TfGraphDefs.Use>> consumers;
    private final Set<String> constants = new HashSet<>();

    private TfGraphView(GraphDef graph, Graph tfGraph) {
        this.graph = graph;
        this.tfGraph = tfGraph;
        this.nodes = TfGraphDefs.index(graph);
        this.consumers = TfGraphDefs.consumers(graph);
    }

    /** The view of {@code graph} (imported as {@code tfGraph}); {@code outputs} are the signature's tensors. */
    static Built build(GraphDef graph, Graph tfGraph, Set<String> outputs) {
        return new TfGraphView(graph, tfGraph).run(outputs);
    }

    private static Map<String, NodeKind> kinds() {
        Map<String, NodeKind> m = new HashMap<>();
        m.put("Conv2D", NodeKind.CONV);
        m.put("DepthwiseConv2dNative", NodeKind.DEPTHWISE_CONV);
        m.put("Conv2DBackpropInput", NodeKind.CONV_TRANSPOSE);
        m.put("MatMul", NodeKind.MATMUL);
        m.put("BatchMatMulV2", NodeKind.MATMUL);
        m.put("Add", NodeKind.ADD);
        m.put("AddV2", NodeKind.ADD);
        m.put("BiasAdd", NodeKind.BIAS_ADD);
        m.put("Sub", NodeKind.SUB);
        m.put("Mul", NodeKind.MUL);
        m.put("RealDiv", NodeKind.DIV);
        m.put("Div", NodeKind.DIV);
        for (String op : List.of("Pow", "Sqrt", "Rsqrt", "SquaredDifference", "Erf")) {
            m.put(op, NodeKind.MATH);
        }
        m.put("MaxPool", NodeKind.MAX_POOL);
        m.put("AvgPool", NodeKind.AVG_POOL);
        m.put("Mean", NodeKind.REDUCE_MEAN);
        m.put("Relu", NodeKind.RELU);
        // ClipByValue stays OTHER: TfInt8Lowering folds only Relu and Relu6 into a convolution
        m.put("Relu6", NodeKind.CLIP);
        m.put("LeakyRelu", NodeKind.LEAKY_RELU);
        m.put("Sigmoid", NodeKind.SIGMOID);
        m.put("Tanh", NodeKind.TANH);
        for (String op : List.of("Elu", "Selu", "Softplus")) {
            m.put(op, NodeKind.OTHER_ACTIVATION);
        }
        for (String op : List.of("FusedBatchNorm", "FusedBatchNormV3")) {
            m.put(op, NodeKind.NORMALIZATION);
        }
        m.put("Softmax", NodeKind.SOFTMAX);
        m.put("LogSoftmax", NodeKind.SOFTMAX);
        m.put("ConcatV2", NodeKind.CONCAT);
        // ops whose output holds values of their first input, reordered or reshaped
        for (String op : List.of("Identity", "IdentityN", "Reshape", "Squeeze", "ExpandDims", "Transpose", "StopGradient")) {
            m.put(op, NodeKind.PASS_THROUGH);
        }
        m.put("Pad", NodeKind.PAD);
        m.put("Shape", NodeKind.SHAPE);
        return Map.copyOf(m);
    }

    private Built run(Set<String> outputs) {
        List<NodeDef> order = TfGraphDefs.topologicalOrder(graph);
        constants.addAll(TfConstants.of(graph));
        List<GraphNode> view = new ArrayList<>();
        Map<String, Slots> weighted = new HashMap<>();
        Set<String> floats = new HashSet<>();
        Map<String, Integer> ranks = new HashMap<>();
        for (NodeDef n : order) {
            List<String> data = new ArrayList<>();
            for (String in : n.getInputList()) {
                if (!TfNames.isControl(in)) {
                    data.add(TfNames.canonical(in));
                }
            }
            GraphOperation op = tfGraph.operation(n.getName());
            int outs = op == null ? 1 : op.numOutputs();
            List<String> tensors = new ArrayList<>();
            for (int k = 0; k < outs; k++) {
                String t = TfNames.tensor(n.getName(), k);
                tensors.add(t);
                if (isFloatActivation(t)) {
                    floats.add(t);
                }
                long[] s = shapeOrNull(t);
                if (s != null) {
                    ranks.put(t, s.length);
                }
            }
            NodeKind kind = KINDS.getOrDefault(n.getOp(), NodeKind.OTHER);
            if (n.getOp().equals("IdentityN")) {
                // one pass-through per output k (it forwards input k), so the tracing follows each
                for (int k = 0; k < tensors.size() && k < data.size(); k++) {
                    view.add(GraphNode.of(n.getName() + "#" + k, n.getOp(), kind, List.of(data.get(k)), List.of(tensors.get(k))));
                }
                continue;
            }
            if (n.getOp().equals("ConcatV2") && !data.isEmpty()) {
                data = data.subList(0, data.size() - 1); // the axis
            }
            if (isQuantizable(n) && shapeOrNull(TfNames.canonical(n.getInput(1))) != null) {
                Described d = describe(n, kind, data, tensors);
                weighted.put(n.getName(), d.slots());
                view.add(d.node());
            } else {
                view.add(GraphNode.of(n.getName(), n.getOp(), kind, data, tensors));
            }
        }
        return new Built(new GraphView(view, floats, outputs, ranks), weighted);
    }

    private boolean constant(String tensor) {
        return constants.contains(TfNames.opName(tensor));
    }

    /** A float op of a quantizable type that multiplies a variable activation by a constant weight. */
    private boolean isQuantizable(NodeDef n) {
        if (!WEIGHTED_OPS.contains(n.getOp()) || n.getInputCount() < 2) {
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

    private Described describe(NodeDef n, NodeKind kind, List<String> data, List<String> tensors) {
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
        GraphNode node = new GraphNode(n.getName(), n.getOp(), kind, data, tensors, sourceName(weightTensor), weightShape,
                weightAxis, biasTensor == null ? null : sourceName(biasTensor), output, outputAxis);
        return new Described(node, new Slots(1, weightTensor, biasOp, biasInput, biasTensor));
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

    /** A float32 tensor that depends on the model inputs. */
    private boolean isFloatActivation(String tensor) {
        if (constant(tensor)) {
            return false;
        }
        GraphOperation op = tfGraph.operation(TfNames.opName(tensor));
        return op != null && op.output(TfNames.outputIndex(tensor)).dataType() == org.tensorflow.proto.DataType.DT_FLOAT;
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
