package org.pot4j.backend.onnx;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.pot4j.api.model.QuantizableNode;
import org.pot4j.backend.onnx.proto.OnnxProtos.NodeProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.TensorProto;

/**
 * Finds the quantizable nodes of an ONNX graph and the activation tensors that must carry
 * QuantizeLinear/DequantizeLinear for ONNX Runtime to replace them with integer kernels.
 *
 * <p>The layout follows what ORT 1.2x fuses on CPU:
 * <ul>
 * <li>{@code Conv}: DQ(x), DQ(w), DQ(int32 bias) -> Conv [-> Relu/Clip] -> Q becomes QLinearConv.
 * Without the Q on its output the Conv stays float and the DQs are pure overhead, so every Conv lists
 * its output (after a single Relu/Clip, which ORT folds into the Q) in {@code activationOutputs},
 * even when the next node's input quantizer covers the same tensor: reverting the consumer must not
 * silently drop the Q the Conv needs.</li>
 * <li>{@code Gemm} and {@code MatMul} with an initializer weight become QGemm / MatMulIntegerToFloat with
 * float output, or QLinearMatMul when followed by a Q; their output needs no quantizer.
 * {@code MatMul} of two activations (attention scores) is listed as a weightless node: both inputs
 * quantized, MatMulIntegerToFloat at run time; configs can leave it out by name or op type.</li>
 * <li>Weightless ops with an integer kernel ({@link OnnxOpClasses#INTEGER_KERNEL}: Add, Mul,
 * Concat, Sigmoid, LeakyRelu, (Global)AveragePool, Softmax) become QLinear ops when their inputs and
 * output are quantized; they are listed as weightless nodes when one of their inputs lies in the
 * <em>convolutional region</em> (tensors computed from a Conv output through quantizable ops), which
 * covers residual Adds, SiLU ({@code Sigmoid} x {@code Mul}), squeeze-excitation Muls and
 * channel-shuffle Concats. Adds of transformer graphs (bias, residual, attention mask) have no Conv
 * upstream and are not listed: quantizing them costs accuracy and gains no kernel.</li>
 * <li>{@code ConvTranspose} weights are stored as INT8 (4x smaller) but ORT has no integer CPU kernel
 * for it, so its output gets no quantizer.</li>
 * <li>Activation inputs are traced back through shared-scale ops ({@link OnnxOpClasses#SHARED_SCALE}:
 * MaxPool, Reshape, Flatten, Transpose, Squeeze, Unsqueeze everywhere; Resize, Slice, Split, Gather,
 * Expand, Tile inside the convolutional region): the quantizer sits on the source tensor and the
 * writer repeats it after those ops, where ORT then runs them on 8-bit data. The trace stops at a
 * tensor outside the convolutional region whose shape a {@code Shape} node reads (transformer reshapes),
 * so ORT can still fold those.</li>
 * </ul>
 */
final class OnnxGraphAnalyzer {
    /** Activations ORT removes when the following Q's range lies inside theirs. */
    static final Set<String> FOLDABLE_ACTIVATIONS = OnnxOpClasses.REMOVABLE_ACTIVATION;
    /** Ops that read only the shape of their input, never its values. */
    static final Set<String> SHAPE_READERS = OnnxOpClasses.SHAPE_READER;
    /**
     * Float-only ops that carry the convolutional region on (their output feeds the next quantized op
     * of a CNN, e.g. MobileNetV3's HardSwish between two convs).
     */
    private static final Set<String> REGION_FLOAT_OPS = Set.of(
            "HardSwish", "HardSigmoid", "Pad", "Tanh", "Elu", "Selu", "PRelu", "Softplus", "Mish");
    /** Ops that show a model is already quantized. */
    static final Set<String> QUANTIZED_OPS = Set.of("QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear",
            "QLinearConv", "QLinearMatMul", "MatMulInteger", "ConvInteger", "QGemm", "MatMulIntegerToFloat");

    private final OnnxGraph graph;
    /** Tensors computed from a Conv output through ops that keep a CNN's data flow quantizable. */
    private final Set<String> convRegion = new HashSet<>();
    /** Nodes across which a quantizer is repeated with the same scale (see {@link #isSharedScale}). */
    private final Set<Integer> sharedScaleNodes = new HashSet<>();

    private OnnxGraphAnalyzer(OnnxGraph graph) {
        this.graph = graph;
    }

    /**
     * What the analysis found: the quantizable nodes in graph (topological) order, the nodes across
     * which the writer repeats a quantizer (shared scale, so ORT runs them on 8-bit data), and the
     * convolutional region (tensors computed from a Conv output through quantizable ops).
     */
    record Placement(List<OnnxNodeBinding> bindings, Set<Integer> sharedScaleNodes, Set<String> convRegion) {
        Placement {
            bindings = List.copyOf(bindings);
            sharedScaleNodes = Set.copyOf(sharedScaleNodes);
            convRegion = Set.copyOf(convRegion);
        }
    }

    /** The quantizable nodes of {@code graph}, in graph (topological) order. */
    static List<OnnxNodeBinding> analyze(OnnxGraph graph) {
        return place(graph).bindings();
    }

    /** The quantizable nodes of {@code graph} and its shared-scale nodes. */
    static Placement place(OnnxGraph graph) {
        OnnxGraphAnalyzer a = new OnnxGraphAnalyzer(graph);
        List<OnnxNodeBinding> bindings = a.run();
        return new Placement(bindings, a.sharedScaleNodes, a.convRegion);
    }

    /** True when the graph already holds quantization ops. */
    static boolean isAlreadyQuantized(OnnxGraph graph) {
        return graph.nodes().stream().anyMatch(n -> QUANTIZED_OPS.contains(n.getOpType()));
    }

    private List<OnnxNodeBinding> run() {
        markConvRegion();
        for (int i = 0; i < graph.nodes().size(); i++) {
            if (isSharedScale(graph, i, convRegion)) {
                sharedScaleNodes.add(i);
            }
        }
        List<OnnxNodeBinding> out = new ArrayList<>();
        for (int i = 0; i < graph.nodes().size(); i++) {
            NodeProto n = graph.node(i);
            if (!isStandard(n) || n.getInputCount() == 0 || n.getOutputCount() == 0) {
                continue;
            }
            // an embedding table (Gather over a float initializer) is a weighted node before any op class
            OnnxNodeBinding embedding = n.getOpType().equals("Gather") ? OnnxEmbeddingGather.binding(graph, i) : null;
            OnnxNodeBinding b = embedding != null ? embedding : switch (OnnxOpClasses.of(n)) {
                case WEIGHTED -> switch (n.getOpType()) {
                    case "Conv" -> weighted(i, 0, 1, true, 2);
                    case "ConvTranspose" -> weighted(i, 1, 1, false, 2);
                    case "Gemm" -> gemm(i);
                    default -> matMul(i);
                };
                case INTEGER_KERNEL -> integerKernel(i);
                default -> null;
            };
            if (b != null) {
                out.add(b);
            }
        }
        return out;
    }

    /**
     * Marks the convolutional region, in topological order: Conv outputs, and the outputs of
     * integer-kernel, shared-scale, removable-activation and elementwise float ops reading a region
     * tensor. MatMul/Gemm outputs are not in it, so transformer graphs and classifier logits keep
     * their float Adds and Softmax.
     */
    private void markConvRegion() {
        for (int i = 0; i < graph.nodes().size(); i++) {
            NodeProto n = graph.node(i);
            if (!isStandard(n)) {
                continue;
            }
            String op = n.getOpType();
            boolean grows = op.equals("Conv") || op.equals("ConvTranspose");
            if (!grows && n.getInputCount() > 0) {
                OnnxOpClasses.OpClass c = OnnxOpClasses.of(op);
                boolean carries = c == OnnxOpClasses.OpClass.INTEGER_KERNEL || c == OnnxOpClasses.OpClass.SHARED_SCALE
                        || c == OnnxOpClasses.OpClass.REMOVABLE_ACTIVATION || REGION_FLOAT_OPS.contains(op);
                if (carries) {
                    for (String in : n.getInputList()) {
                        grows |= convRegion.contains(in);
                    }
                }
            }
            if (grows) {
                for (String o : n.getOutputList()) {
                    if (!o.isEmpty() && graph.isFloatActivation(o)) {
                        convRegion.add(o);
                    }
                }
            }
        }
    }

    /**
     * True when node {@code i} passes its first input's 8-bit values through with the same
     * quantizer: the ops of {@link OnnxOpClasses#SHARED_SCALE_ANYWHERE} on every graph, the rest of
     * {@link OnnxOpClasses#SHARED_SCALE} only on convolutional-region tensors.
     */
    private static boolean isSharedScale(OnnxGraph graph, int i, Set<String> convRegion) {
        NodeProto n = graph.node(i);
        if (!isStandard(n) || OnnxOpClasses.of(n) != OnnxOpClasses.OpClass.SHARED_SCALE || n.getInputCount() == 0
                || n.getOutputCount() == 0 || !graph.isFloatActivation(n.getInput(0))) {
            return false;
        }
        if (n.getOutputCount() > 1 && !n.getOpType().equals("Split")) {
            return false;
        }
        return OnnxOpClasses.SHARED_SCALE_ANYWHERE.contains(n.getOpType()) || convRegion.contains(n.getInput(0));
    }

    /**
     * A weightless op with an integer kernel, listed when one of its inputs is in the convolutional
     * region and all its data inputs are float activations: every input and its (activation-fused)
     * output get a quantizer.
     */
    private OnnxNodeBinding integerKernel(int i) {
        NodeProto n = graph.node(i);
        if (n.getOutputCount() != 1) {
            return null;
        }
        List<String> data = n.getOpType().equals("Softmax") || n.getOpType().endsWith("Pool")
                || n.getOpType().equals("Sigmoid") || n.getOpType().equals("LeakyRelu")
                ? List.of(n.getInput(0)) : n.getInputList();
        if (n.getOpType().equals("Add") || n.getOpType().equals("Mul")) {
            if (data.size() != 2 || data.get(0).equals(data.get(1))) {
                return null;
            }
        } else if (n.getOpType().equals("Concat") && data.size() < 2) {
            return null;
        }
        boolean inRegion = false;
        LinkedHashSet<String> ins = new LinkedHashSet<>();
        for (String in : data) {
            if (!graph.isFloatActivation(in)) {
                return null;
            }
            inRegion |= convRegion.contains(in);
            ins.add(source(in));
        }
        if (!inRegion) {
            return null;
        }
        return binding(i, n, List.copyOf(ins), List.of(fusedOutput(i)), -1, null, -1, null, -1, -1, null, -1);
    }

    /** Conv-like node: weight in input 1 with output channels on {@code axis}, bias in input 2. */
    private OnnxNodeBinding weighted(int i, int axis, int outputChannelAxis, boolean needsOutputQ, int biasSlot) {
        NodeProto n = graph.node(i);
        if (n.getInputCount() < 2 || !graph.isFloatActivation(n.getInput(0)) || !isFloatWeight(n.getInput(1), 3)) {
            return null;
        }
        TensorProto w = graph.initializer(n.getInput(1));
        long[] ws = OnnxTensorProtos.shape(w);
        long channels = ws[axis];
        if (n.getOpType().equals("ConvTranspose")) {
            channels *= OnnxGraph.intAttribute(n, "group", 1);
        }
        long[] biasShape = biasShape(n, biasSlot, channels);
        if (biasShape == INVALID) {
            return null;
        }
        String bias = biasShape == null ? null : n.getInput(biasSlot);
        List<String> outs = needsOutputQ ? List.of(fusedOutput(i)) : List.of();
        return binding(i, n, List.of(source(n.getInput(0))), outs, 1, ws, axis, bias, i, biasSlot, biasShape,
                outputChannelAxis);
    }

    private OnnxNodeBinding gemm(int i) {
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
        return binding(i, n, List.of(source(n.getInput(0))), List.of(), 1, ws, axis, bias, i, 2, biasShape, 1);
    }

    private OnnxNodeBinding matMul(int i) {
        NodeProto n = graph.node(i);
        if (n.getInputCount() != 2 || !graph.isFloatActivation(n.getInput(0))) {
            return null;
        }
        String b = n.getInput(1);
        if (graph.isFloatActivation(b)) {
            LinkedHashSet<String> ins = new LinkedHashSet<>(List.of(source(n.getInput(0)), source(b)));
            return binding(i, n, List.copyOf(ins), List.of(), -1, null, -1, null, -1, -1, null, -1);
        }
        if (!isFloatWeight(b, 2)) {
            return null;
        }
        long[] ws = OnnxTensorProtos.shape(graph.initializer(b));
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
            if (isStandard(add) && add.getOpType().equals("Add") && add.getInputCount() == 2) {
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
        return binding(i, n, List.of(source(n.getInput(0))), List.of(), 1, ws, axis, biasName, biasNode, biasSlot,
                biasShape, outRank > 0 ? outRank - 1 : -1);
    }

    private OnnxNodeBinding binding(int i, NodeProto n, List<String> ins, List<String> outs, int weightInput,
                                    long[] weightShape, int weightAxis, String bias, int biasNode, int biasSlot,
                                    long[] biasShape, int outputChannelAxis) {
        String weightName = weightInput < 0 ? null : n.getInput(weightInput);
        QuantizableNode view = new QuantizableNode(n.getName(), n.getOpType(), ins, outs, weightName, weightShape,
                weightAxis, bias, n.getOutput(0), outputChannelAxis);
        return new OnnxNodeBinding(view, i, weightInput, biasNode, biasSlot, biasShape);
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

    /** The tensor {@code t} was copied or reordered from, through shared-scale ops. */
    String source(String t) {
        String cur = t;
        for (int guard = 0; guard < 1000; guard++) {
            int p = graph.producer(cur);
            String in = p < 0 ? null : graph.node(p).getInput(0);
            // transformer shape chains stop the trace (see hasShapeReader); a CNN's do not, since the
            // writer lets Shape read a node output's dequantized value
            if (p < 0 || !sharedScaleNodes.contains(p) || (!convRegion.contains(in) && hasShapeReader(graph, in))) {
                break;
            }
            cur = graph.node(p).getInput(0);
        }
        return cur;
    }

    /**
     * True when a Shape/Size node reads {@code t}: transformer exports compute Reshape targets from the
     * shape of the tensor being reshaped, and ORT folds that chain only while the Reshape and the Shape
     * read the same tensor, so a quantizer must not move above such a Reshape.
     */
    static boolean hasShapeReader(OnnxGraph graph, String t) {
        for (int c : graph.consumers(t)) {
            if (SHAPE_READERS.contains(graph.node(c).getOpType())) {
                return true;
            }
        }
        return false;
    }

    /** The node's output, or the output of the single Relu/Clip right after it (which ORT folds into the Q). */
    private String fusedOutput(int i) {
        String out = graph.node(i).getOutput(0);
        List<Integer> cons = graph.consumers(out);
        if (cons.size() == 1 && !graph.isGraphOutput(out)) {
            NodeProto act = graph.node(cons.get(0));
            if (isStandard(act) && FOLDABLE_ACTIVATIONS.contains(act.getOpType()) && act.getInput(0).equals(out)
                    && act.getOutputCount() == 1) {
                return act.getOutput(0);
            }
        }
        return out;
    }

    static boolean isStandard(NodeProto n) {
        return n.getDomain().isEmpty() || n.getDomain().equals("ai.onnx");
    }
}
