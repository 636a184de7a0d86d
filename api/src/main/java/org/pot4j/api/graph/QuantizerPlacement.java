package org.pot4j.api.graph;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.pot4j.api.model.QuantizableNode;

/**
 * The one quantizer placement: which nodes of a {@link GraphView} are quantizable and which
 * activation tensors get quantizers with each (NNCF's quantizer groups: a revert takes them away).
 * Every backend's {@code Model#quantizableNodes()} is this function of its graph view and its
 * declared {@link PlacementRules}; the engine then selects among the nodes (ignored scope,
 * transformer mode, capabilities).
 *
 * <ul>
 * <li>A weighted node quantizes the activation it multiplies. A convolution (not a transposed one)
 * also quantizes its output, after a ReLU/clip that alone reads it (integer kernels fold it into the
 * output's requantization), even when the next node's input quantizer covers the same tensor:
 * reverting that consumer must not drop the quantizer the convolution needs. An embedding quantizes
 * only its table.</li>
 * <li>A weightless node of a kind the runtime has an integer kernel for
 * ({@link PlacementRules#weightlessKernels}) quantizes its data inputs and (unless the kernel's
 * output is float) its output after a folded ReLU; kinds marked {@code needsConvInput} only when an
 * input is fed by a convolution, so transformer bias/residual Adds and classifier Softmaxes stay
 * float.</li>
 * <li>Activation tensors are traced back through shared-scale ops (max pooling, reshapes, ...): the
 * quantizer sits on the source tensor and the runtime runs those ops on 8-bit data.</li>
 * </ul>
 * The backend writes the plan in its own format; {@link Placement#sharedScaleNodes()} and
 * {@link Placement#region()} tell its writer across which nodes a quantizer is repeated.
 */
public final class QuantizerPlacement {
    private final GraphView g;
    private final PlacementRules rules;
    private final Set<String> region = new HashSet<>();
    private final Set<Integer> sharedScale = new HashSet<>();
    private final Set<String> convOutputs = new HashSet<>();

    /**
     * What placement found.
     *
     * @param nodes            the quantizable nodes, in graph order
     * @param positions        each node's position in {@link GraphView#nodes()}
     * @param sharedScaleNodes positions of the nodes a quantizer is traced through (and repeated after)
     * @param region           the convolutional region ({@link PlacementRules.ConvFeed#REGION}), else empty
     */
    public record Placement(List<QuantizableNode> nodes, List<Integer> positions, Set<Integer> sharedScaleNodes,
                            Set<String> region) {
        /** Copies. */
        public Placement {
            nodes = List.copyOf(nodes);
            positions = List.copyOf(positions);
            sharedScaleNodes = Set.copyOf(sharedScaleNodes);
            region = Set.copyOf(region);
        }
    }

    private QuantizerPlacement(GraphView g, PlacementRules rules) {
        this.g = g;
        this.rules = rules;
    }

    /** Places the quantizers of {@code view} under {@code rules}. */
    public static Placement place(GraphView view, PlacementRules rules) {
        return new QuantizerPlacement(view, rules).run();
    }

    private Placement run() {
        if (rules.convFeed() == PlacementRules.ConvFeed.REGION) {
            markRegion();
        }
        for (int i = 0; i < g.nodes().size(); i++) {
            if (isSharedScale(i)) {
                sharedScale.add(i);
            }
        }
        if (rules.convFeed() == PlacementRules.ConvFeed.SOURCE) {
            for (GraphNode n : g.nodes()) {
                if (n.hasWeight() && isConv(n.kind())) {
                    convOutputs.add(n.outputName());
                    convOutputs.add(fused(n.outputName()));
                }
            }
        }
        List<QuantizableNode> nodes = new ArrayList<>();
        List<Integer> positions = new ArrayList<>();
        for (int i = 0; i < g.nodes().size(); i++) {
            GraphNode n = g.node(i);
            QuantizableNode q = n.hasWeight() ? weighted(n) : weightless(n);
            if (q != null) {
                nodes.add(q);
                positions.add(i);
            }
        }
        return new Placement(nodes, positions, sharedScale, region);
    }

    private static boolean isConv(NodeKind k) {
        return k == NodeKind.CONV || k == NodeKind.DEPTHWISE_CONV || k == NodeKind.CONV_TRANSPOSE;
    }

    /**
     * Marks the convolutional region in topological order: convolution outputs, and the float outputs
     * of region carriers reading a region tensor. Matrix products are not carriers, so transformer
     * graphs and classifier logits keep their float Adds and Softmax.
     */
    private void markRegion() {
        for (GraphNode n : g.nodes()) {
            boolean grows = isConv(n.kind());
            if (!grows && !n.inputs().isEmpty() && rules.regionCarriers().contains(n.kind())) {
                for (String in : n.inputs()) {
                    grows |= region.contains(in);
                }
            }
            if (grows) {
                for (String o : n.outputs()) {
                    if (g.isFloatActivation(o)) {
                        region.add(o);
                    }
                }
            }
        }
    }

    /** True when node {@code i} passes its first input's 8-bit values through with the same quantizer. */
    private boolean isSharedScale(int i) {
        GraphNode n = g.node(i);
        boolean kind = rules.sharedScale().contains(n.kind())
                || (rules.sharedScaleInRegion().contains(n.kind()) && region.contains(n.input(0)));
        if (!kind || n.inputs().isEmpty() || n.outputs().isEmpty() || !g.isFloatActivation(n.input(0))) {
            return false;
        }
        return n.outputs().size() == 1 || n.kind() == NodeKind.SPLIT;
    }

    private QuantizableNode weighted(GraphNode n) {
        List<String> ins = n.kind() == NodeKind.EMBEDDING ? List.of() : List.of(source(n.input(0)));
        boolean outputQuantizer = n.kind() == NodeKind.CONV || n.kind() == NodeKind.DEPTHWISE_CONV;
        List<String> outs = outputQuantizer ? List.of(fused(n.outputName())) : List.of();
        return new QuantizableNode(n.id(), n.opType(), ins, outs, n.weightName(), n.weightShape(), n.weightChannelAxis(),
                n.biasName(), n.outputName(), n.outputChannelAxis(), n.kind());
    }

    private QuantizableNode weightless(GraphNode n) {
        PlacementRules.KernelRule rule = rules.weightlessKernels().get(n.kind());
        if (rule == null || n.outputs().size() != 1 || n.inputs().isEmpty()) {
            return null;
        }
        List<String> data = switch (n.kind()) {
            case ADD, MUL, SUB, DIV, MATMUL, CONCAT -> n.inputs();
            default -> List.of(n.input(0));
        };
        switch (n.kind()) {
            case ADD, MUL -> {
                // x + x or x * x scales one tensor: no second operand to quantize
                if (data.size() != 2 || data.get(0).equals(data.get(1))) {
                    return null;
                }
            }
            case SUB, DIV, MATMUL -> {
                if (data.size() != 2) {
                    return null;
                }
            }
            case CONCAT -> {
                if (data.size() < 2) {
                    return null;
                }
            }
            default -> {
            }
        }
        if (rule.inputRank() >= 0 && g.rank(data.get(0)) != rule.inputRank()) {
            return null;
        }
        boolean fed = false;
        LinkedHashSet<String> ins = new LinkedHashSet<>();
        for (String in : data) {
            if (!g.isFloatActivation(in)) {
                return null;
            }
            String s = source(in);
            fed |= rules.convFeed() == PlacementRules.ConvFeed.REGION ? region.contains(in) : convOutputs.contains(s);
            ins.add(s);
        }
        if (rule.needsConvInput() && !fed) {
            return null;
        }
        List<String> outs = rule.quantizesOutput() ? List.of(fused(n.outputs().get(0))) : List.of();
        return new QuantizableNode(n.id(), n.opType(), List.copyOf(ins), outs, null, null, n.weightChannelAxis(), null,
                n.outputName(), n.outputChannelAxis(), n.kind());
    }

    /** The tensor {@code t} was copied or reordered from, through shared-scale nodes. */
    private String source(String t) {
        String cur = t;
        for (int guard = 0; guard < 1000; guard++) {
            int p = g.producer(cur);
            if (p < 0 || !sharedScale.contains(p)) {
                break;
            }
            String in = g.node(p).input(0);
            if (rules.keepShapeReadTensors() && !region.contains(in) && hasShapeReader(in)) {
                break;
            }
            cur = in;
        }
        return cur;
    }

    private boolean hasShapeReader(String t) {
        for (GraphView.Read r : g.reads(t)) {
            if (g.node(r.node()).kind() == NodeKind.SHAPE) {
                return true;
            }
        }
        return false;
    }

    /** {@code t}, or the output of the ReLU/clip that alone reads it (folded into the quantizer). */
    private String fused(String t) {
        List<GraphView.Read> reads = g.reads(t);
        if (reads.size() != 1 || g.externalReads().contains(t)) {
            return t;
        }
        GraphView.Read r = reads.get(0);
        GraphNode act = g.node(r.node());
        if ((act.kind() == NodeKind.RELU || act.kind() == NodeKind.CLIP) && r.slot() == 0 && act.outputs().size() == 1) {
            return act.outputs().get(0);
        }
        return t;
    }
}
