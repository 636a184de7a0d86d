package org.pot4j.backend.tensorflow;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
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
 * follows them, plus the weightless nodes an integer runtime runs on 8-bit data.
 *
 * <p>Layouts are TensorFlow's: Conv2D weights HWIO (output channels on axis 3), depthwise HWCM
 * (axis 2: one scale per input channel and its multipliers), MatMul [in, out] (axis 1, or 0 with
 * {@code transpose_b}). Activations are NHWC, so the channel axis of outputs is the last one.
 *
 * <p>Where quantizers go mirrors the ONNX backend's QDQ layout, so one plan algorithm gives
 * comparable INT8 models on both runtimes:
 * <ul>
 * <li>every node quantizes its data input; a convolution also quantizes its output (after the bias
 * and a following Relu/Relu6, which an integer kernel folds in), even when the next node's input
 * quantizer covers the same tensor, so reverting that consumer keeps the convolution's quantizer;</li>
 * <li>a residual {@code Add}/{@code AddV2} fed by a convolution, a global {@code Mean} or
 * {@code AvgPool}, and a {@code ConcatV2} of convolution features are weightless nodes with their
 * inputs and output quantized;</li>
 * <li>activation tensors are traced back through ops that do not change values ({@code MaxPool},
 * {@code Reshape}, {@code Squeeze}, {@code ExpandDims}, {@code Transpose}, zero {@code Pad},
 * {@code Identity}): fake quantization commutes with them, and the quantizer is shared with the
 * producer's output quantizer.</li>
 * </ul>
 */
final class TfGraphAnalyzer {
    static final Set<String> QUANTIZABLE_OPS = Set.of("Conv2D", "DepthwiseConv2dNative", "MatMul");
    private static final Set<String> CONV_OPS = Set.of("Conv2D", "DepthwiseConv2dNative");
    /** Ops whose output holds values of their first input (reordered, subsampled or zero-padded). */
    private static final Set<String> TRANSPARENT_OPS = Set.of("Identity", "IdentityN", "Reshape", "Squeeze", "ExpandDims",
            "MaxPool", "Pad", "Transpose", "StopGradient");
    private static final Set<String> FUSED_ACTIVATIONS = Set.of("Relu", "Relu6");
    private static final Set<String> ADD_OPS = Set.of("Add", "AddV2");
    private static final Set<String> POOL_OPS = Set.of("Mean", "AvgPool");
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
        Map<String, TfNodeInfo> weighted = new HashMap<>();
        Set<String> convOutputs = new HashSet<>();
        for (NodeDef n : order) {
            if (isQuantizable(n) && shapeOrNull(TfNames.canonical(n.getInput(1))) != null) {
                TfNodeInfo info = describe(n);
                weighted.put(n.getName(), info);
                if (CONV_OPS.contains(n.getOp())) {
                    convOutputs.add(fused(info.node().outputName()));
                }
            }
        }
        List<TfNodeInfo> out = new ArrayList<>();
        for (NodeDef n : order) {
            TfNodeInfo info = weighted.get(n.getName());
            if (info == null) {
                info = weightless(n, convOutputs);
            }
            if (info != null) {
                out.add(info);
            }
        }
        return out;
    }

    /** A residual add, global pooling or concat of convolution features, or null. */
    private TfNodeInfo weightless(NodeDef n, Set<String> convOutputs) {
        List<String> data = new ArrayList<>();
        for (String in : n.getInputList()) {
            if (!TfNames.isControl(in)) {
                data.add(TfNames.canonical(in));
            }
        }
        List<String> inputs;
        if (ADD_OPS.contains(n.getOp()) && data.size() == 2) {
            inputs = data;
        } else if (POOL_OPS.contains(n.getOp()) && !data.isEmpty() && rankOf(data.get(0)) == 4) {
            inputs = data.subList(0, 1);
        } else if (n.getOp().equals("ConcatV2") && data.size() > 2) {
            inputs = data.subList(0, data.size() - 1);
        } else {
            return null;
        }
        LinkedHashSet<String> sources = new LinkedHashSet<>();
        for (String in : inputs) {
            if (!isFloatActivation(in)) {
                return null;
            }
            sources.add(source(in));
        }
        if (!POOL_OPS.contains(n.getOp()) && sources.stream().noneMatch(convOutputs::contains)) {
            return null;
        }
        String output = TfNames.tensor(n.getName(), 0);
        QuantizableNode node = new QuantizableNode(n.getName(), n.getOp(), List.copyOf(sources), List.of(fused(output)),
                null, null, -1, null, output, -1);
        return new TfNodeInfo(node, -1, null, null, -1, null);
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
        List<String> activationOutputs = CONV_OPS.contains(n.getOp()) ? List.of(fused(output)) : List.of();
        QuantizableNode node = new QuantizableNode(n.getName(), n.getOp(), List.of(source(TfNames.canonical(n.getInput(0)))),
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

    /** The output of the Relu/Relu6 that alone consumes {@code tensor}, else {@code tensor}. */
    private String fused(String tensor) {
        List<TfGraphDefs.Use> after = consumers.getOrDefault(tensor, List.of());
        if (after.size() == 1 && FUSED_ACTIVATIONS.contains(after.get(0).node().getOp())) {
            return TfNames.tensor(after.get(0).node().getName(), 0);
        }
        return tensor;
    }

    /** The tensor whose values {@code tensor} carries, traced back through value-preserving ops. */
    private String source(String tensor) {
        String t = tensor;
        for (int hops = 0; hops < 1000; hops++) {
            NodeDef n = nodes.get(TfNames.opName(t));
            if (n == null || !TRANSPARENT_OPS.contains(n.getOp()) || n.getInputCount() == 0) {
                return t;
            }
            String in = TfNames.canonical(n.getOp().equals("IdentityN") ? n.getInput(TfNames.outputIndex(t)) : n.getInput(0));
            if (TfNames.isControl(in) || !isFloatActivation(in)) {
                return t;
            }
            t = in;
        }
        return t;
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
