package org.pot4j.backend.onnx;

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
import org.pot4j.backend.onnx.proto.OnnxProtos.NodeProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.TensorProto;

/**
 * The ONNX graph as a neutral {@link GraphView}: op types mapped to {@link NodeKind}s, and the
 * weight and bias of {@code Conv}, {@code ConvTranspose}, {@code Gemm}, {@code MatMul} and embedding
 * {@code Gather} nodes found where ONNX keeps them (an initializer input, or for MatMul the constant
 * of the {@code Add} that follows). One view node per graph node, in graph order, so a view position
 * is a node index. Where quantizers go is decided by {@link org.pot4j.api.graph.QuantizerPlacement}
 * under {@link #RULES}, what ONNX Runtime fuses ({@link OnnxOpClasses}).
 */
final class OnnxGraphView {
    /**
     * ONNX Runtime's CPU provider, as {@link OnnxOpClasses} describes it: QLinear kernels for the
     * weightless ops of a CNN's convolutional region (integer kernels chain, so the region is
     * transitive), MatMul of two activations as MatMulIntegerToFloat (float output), shared-scale ops
     * run on 8-bit data (the reshape-like ones everywhere, the selecting ones inside the region), and
     * shape chains folded only while Shape and Reshape read the same tensor.
     */
    static final PlacementRules RULES = new PlacementRules(
            Map.of(NodeKind.SIGMOID, KernelRule.AFTER_CONV, NodeKind.LEAKY_RELU, KernelRule.AFTER_CONV,
                    NodeKind.AVG_POOL, KernelRule.AFTER_CONV, NodeKind.GLOBAL_AVG_POOL, KernelRule.AFTER_CONV,
                    NodeKind.SOFTMAX, KernelRule.AFTER_CONV, NodeKind.ADD, KernelRule.AFTER_CONV,
                    NodeKind.MUL, KernelRule.AFTER_CONV, NodeKind.CONCAT, KernelRule.AFTER_CONV,
                    NodeKind.MATMUL, new KernelRule(false, false, -1)),
            Set.of(NodeKind.MAX_POOL, NodeKind.PASS_THROUGH),
            Set.of(NodeKind.RESIZE, NodeKind.SELECT, NodeKind.SPLIT),
            PlacementRules.ConvFeed.REGION,
            Set.of(NodeKind.SIGMOID, NodeKind.LEAKY_RELU, NodeKind.AVG_POOL, NodeKind.GLOBAL_AVG_POOL, NodeKind.SOFTMAX,
                    NodeKind.ADD, NodeKind.MUL, NodeKind.CONCAT, NodeKind.MAX_POOL, NodeKind.PASS_THROUGH, NodeKind.RESIZE,
                    NodeKind.SELECT, NodeKind.SPLIT, NodeKind.RELU, NodeKind.CLIP, NodeKind.HARD_SWISH,
                    NodeKind.HARD_SIGMOID, NodeKind.PAD, NodeKind.TANH, NodeKind.OTHER_ACTIVATION),
            true);

    /** ONNX op types by kind; types not listed (and every custom-domain op) are {@link NodeKind#OTHER}. */
    private static final Map<String, NodeKind> KINDS = kinds();

    /**
     * Where a weighted node's weight and bias live in the graph (see {@link OnnxNodeBinding}); {@link #NONE}
     * for weightless nodes.
     */
    record Slots(int weightInput, int biasNode, int biasInput, long[] biasShape) {
        static final Slots NONE = new Slots(-1, -1, -1, null);
    }

    /** The view, and per position the weight slots of its node. */
    record Built(GraphView view, List<Slots> slots) {
    }

    private final OnnxGraph graph;

    private OnnxGraphView(OnnxGraph graph) {
        this.graph = graph;
    }

    static Built build(OnnxGraph graph) {
        return new OnnxGraphView(graph).run();
    }

    private static Map<String, NodeKind> kinds() {
        Map<String, NodeKind> m = new HashMap<>();
        m.put("Conv", NodeKind.CONV);
        m.put("ConvTranspose", NodeKind.CONV_TRANSPOSE);
        m.put("Gemm", NodeKind.LINEAR);
        m.put("MatMul", NodeKind.MATMUL);
        m.put("Add", NodeKind.ADD);
        m.put("Sub", NodeKind.SUB);
        m.put("Mul", NodeKind.MUL);
        m.put("Div", NodeKind.DIV);
        for (String op : List.of("Pow", "Sqrt", "Reciprocal", "Erf")) {
            m.put(op, NodeKind.MATH);
        }
        m.put("MaxPool", NodeKind.MAX_POOL);
        m.put("AveragePool", NodeKind.AVG_POOL);
        m.put("GlobalAveragePool", NodeKind.GLOBAL_AVG_POOL);
        m.put("ReduceMean", NodeKind.REDUCE_MEAN);
        m.put("Relu", NodeKind.RELU);
        m.put("Clip", NodeKind.CLIP);
        m.put("LeakyRelu", NodeKind.LEAKY_RELU);
        m.put("Sigmoid", NodeKind.SIGMOID);
        m.put("Tanh", NodeKind.TANH);
        m.put("Gelu", NodeKind.GELU);
        m.put("HardSigmoid", NodeKind.HARD_SIGMOID);
        m.put("HardSwish", NodeKind.HARD_SWISH);
        for (String op : List.of("Elu", "Selu", "PRelu", "Softplus", "Mish")) {
            m.put(op, NodeKind.OTHER_ACTIVATION);
        }
        for (String op : List.of("BatchNormalization", "LayerNormalization", "InstanceNormalization", "GroupNormalization")) {
            m.put(op, NodeKind.NORMALIZATION);
        }
        // LogSoftmax has no QLinear kernel: OTHER, so it is never listed as ORT's QLinearSoftmax
        m.put("Softmax", NodeKind.SOFTMAX);
        m.put("Concat", NodeKind.CONCAT);
        for (String op : List.of("Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze")) {
            m.put(op, NodeKind.PASS_THROUGH);
        }
        for (String op : List.of("Slice", "Gather", "GatherElements", "Expand", "Tile")) {
            m.put(op, NodeKind.SELECT);
        }
        m.put("Split", NodeKind.SPLIT);
        m.put("Resize", NodeKind.RESIZE);
        m.put("Pad", NodeKind.PAD);
        m.put("Shape", NodeKind.SHAPE);
        m.put("Size", NodeKind.SHAPE);
        return Map.copyOf(m);
    }

    /** The kind of {@code n} (custom-domain ops are {@link NodeKind#OTHER}). */
    static NodeKind kind(NodeProto n) {
        return OnnxGraph.isStandard(n) ? KINDS.getOrDefault(n.getOpType(), NodeKind.OTHER) : NodeKind.OTHER;
    }

    private Built run() {
        List<GraphNode> nodes = new ArrayList<>();
        List<Slots> slots = new ArrayList<>();
        Set<String> floats = new HashSet<>();
        Set<String> outputs = new HashSet<>(graph.outputs());
        for (String in : graph.inputs()) {
            if (graph.isFloatActivation(in)) {
                floats.add(in);
            }
        }
        for (int i = 0; i < graph.nodes().size(); i++) {
            NodeProto n = graph.node(i);
            for (String t : n.getOutputList()) {
                if (graph.isFloatActivation(t)) {
                    floats.add(t);
                }
            }
            NodeKind kind = kind(n);
            Weighted w = n.getInputCount() == 0 || n.getOutputCount() == 0 || !OnnxGraph.isStandard(n) ? null
                    : switch (n.getOpType()) {
                        case "Gather" -> embedding(i);
                        case "Conv" -> conv(i, 0, 1, 2);
                        case "ConvTranspose" -> conv(i, 1, 1, 2);
                        case "Gemm" -> gemm(i);
                        case "MatMul" -> matMul(i);
                        default -> null;
                    };
            if (kind == NodeKind.SELECT && w != null) {
                kind = NodeKind.EMBEDDING;
            }
            if (w == null) {
                nodes.add(GraphNode.of(n.getName(), n.getOpType(), kind, n.getInputList(), n.getOutputList()));
                slots.add(Slots.NONE);
            } else {
                nodes.add(new GraphNode(n.getName(), n.getOpType(), kind, n.getInputList(), n.getOutputList(),
                        n.getInput(w.slots.weightInput()), w.shape, w.axis, w.bias, n.getOutput(0), w.outputChannelAxis));
                slots.add(w.slots);
            }
        }
        return new Built(new GraphView(nodes, floats, outputs, Map.of()), slots);
    }

    /** A weight found: its shape, channel axis, bias name, the output's channel axis and the slots. */
    private record Weighted(long[] shape, int axis, String bias, int outputChannelAxis, Slots slots) {
    }

    /** An embedding table: Gather of rows (axis 0) of a rank-2 float initializer by computed ids. */
    private Weighted embedding(int i) {
        NodeProto n = graph.node(i);
        if (n.getInputCount() != 2 || n.getOutputCount() != 1 || OnnxGraph.intAttribute(n, "axis", 0) != 0) {
            return null;
        }
        TensorProto table = graph.initializer(n.getInput(0));
        if (table == null || table.getDataType() != OnnxTensorProtos.FLOAT || table.getDimsCount() != 2
                || graph.isInitializer(n.getInput(1))) {
            return null;
        }
        return new Weighted(OnnxTensorProtos.shape(table), 0, null, -1, new Slots(0, -1, -1, null));
    }

    /** Conv-like node: weight in input 1 with output channels on {@code axis}, bias in input {@code biasSlot}. */
    private Weighted conv(int i, int axis, int outputChannelAxis, int biasSlot) {
        NodeProto n = graph.node(i);
        if (n.getInputCount() < 2 || !graph.isFloatActivation(n.getInput(0)) || !isFloatWeight(n.getInput(1), 3)) {
            return null;
        }
        long[] ws = OnnxTensorProtos.shape(graph.initializer(n.getInput(1)));
        long channels = ws[axis];
        if (n.getOpType().equals("ConvTranspose")) {
            channels *= OnnxGraph.intAttribute(n, "group", 1);
        }
        long[] biasShape = biasShape(n, biasSlot, channels);
        if (biasShape == INVALID) {
            return null;
        }
        String bias = biasShape == null ? null : n.getInput(biasSlot);
        return new Weighted(ws, axis, bias, outputChannelAxis, new Slots(1, i, biasSlot, biasShape));
    }

    private Weighted gemm(int i) {
        NodeProto n = graph.node(i);
        if (n.getInputCount() < 2 || !graph.isFloatActivation(n.getInput(0)) || !isFloatWeight(n.getInput(1), 2)) {
            return null;
        }
        long[] ws = OnnxTensorProtos.shape(graph.initializer(n.getInput(1)));
        if (ws.length != 2) {
            return null;
        }
        int axis = OnnxGraph.intAttribute(n, "transB", 0) != 0 ? 0 : 1;
        long[] biasShape = biasShape(n, 2, ws[axis]);
        if (biasShape == INVALID) {
            return null;
        }
        String bias = biasShape == null ? null : n.getInput(2);
        return new Weighted(ws, axis, bias, 1, new Slots(1, i, 2, biasShape));
    }

    /** MatMul by a constant weight; its bias is the constant of the Add that alone reads its output. */
    private Weighted matMul(int i) {
        NodeProto n = graph.node(i);
        if (n.getInputCount() != 2 || !graph.isFloatActivation(n.getInput(0)) || graph.isFloatActivation(n.getInput(1))
                || !isFloatWeight(n.getInput(1), 2)) {
            return null;
        }
        long[] ws = OnnxTensorProtos.shape(graph.initializer(n.getInput(1)));
        int axis = ws.length - 1;
        long channels = ws[axis];
        // the bias of a MatMul is the constant of the Add that follows it (torch Linear, transformers)
        int biasNode = -1;
        int biasSlot = -1;
        long[] biasShape = null;
        String biasName = null;
        String out = n.getOutput(0);
        List<Integer> cons = graph.consumers(out);
        if (cons.size() == 1 && !graph.isGraphOutput(out)) {
            NodeProto add = graph.node(cons.get(0));
            if (OnnxGraph.isStandard(add) && add.getOpType().equals("Add") && add.getInputCount() == 2) {
                int slot = add.getInput(0).equals(out) ? 1 : 0;
                TensorProto c = graph.initializer(add.getInput(slot));
                if (c != null && c.getDataType() == OnnxTensorProtos.FLOAT && c.getDimsCount() == 1
                        && c.getDims(0) == channels) {
                    biasNode = cons.get(0);
                    biasSlot = slot;
                    biasShape = OnnxTensorProtos.shape(c);
                    biasName = c.getName();
                }
            }
        }
        int outRank = graph.type(out).rank();
        return new Weighted(ws, axis, biasName, outRank > 0 ? outRank - 1 : -1, new Slots(1, biasNode, biasSlot, biasShape));
    }

    private static final long[] INVALID = new long[0];

    /**
     * Shape of the node's bias initializer in {@code slot}: null when there is none (one can be added),
     * {@link #INVALID} when the input is there but is not a constant per-channel vector.
     */
    private long[] biasShape(NodeProto n, int slot, long channels) {
        if (n.getInputCount() <= slot || n.getInput(slot).isEmpty()) {
            return null;
        }
        TensorProto c = graph.initializer(n.getInput(slot));
        if (c == null || c.getDataType() != OnnxTensorProtos.FLOAT) {
            return INVALID;
        }
        long[] s = OnnxTensorProtos.shape(c);
        boolean vector = (s.length == 1 && s[0] == channels) || (s.length == 2 && s[0] == 1 && s[1] == channels);
        return vector ? s : INVALID;
    }

    private boolean isFloatWeight(String name, int minRank) {
        TensorProto t = graph.initializer(name);
        return t != null && t.getDataType() == OnnxTensorProtos.FLOAT && t.getDimsCount() >= minRank;
    }
}
