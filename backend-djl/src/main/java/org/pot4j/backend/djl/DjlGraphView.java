package org.pot4j.backend.djl;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pot4j.api.graph.GraphNode;
import org.pot4j.api.graph.GraphView;
import org.pot4j.api.graph.NodeKind;
import org.pot4j.api.graph.PlacementRules;
import org.pot4j.api.graph.PlacementRules.KernelRule;
import org.pot4j.backend.djl.FlatProgram.Kind;
import org.pot4j.backend.djl.FlatProgram.Value;

/**
 * A flattened TorchScript program as a neutral {@link GraphView}: one node per computed value, its
 * {@code torch.*} function mapped to a {@link NodeKind}, and the conv/linear ops the flattener found
 * carrying their weight and bias. Where quantizers go is decided by
 * {@link org.pot4j.api.graph.QuantizerPlacement} under {@link #RULES}.
 *
 * <p>Node ids: the weight owner's module path for conv/linear (with {@code #2}, {@code #3} for a module
 * called again), the value name for every other node. Values defined inside a conditional or loop
 * block are {@link NodeKind#OTHER} nodes without outputs (no tap or quantizer can follow them), so
 * their reads still count.
 */
final class DjlGraphView {
    /**
     * What {@link DjlInt8Writer} runs on PyTorch's quantized kernels: {@code quantized::add(_relu)}
     * after a convolution and the average pools; max pooling and the reshape-like ops pass 8-bit
     * values through.
     */
    static final PlacementRules RULES = new PlacementRules(
            Map.of(NodeKind.ADD, KernelRule.AFTER_CONV, NodeKind.AVG_POOL, KernelRule.ALWAYS,
                    NodeKind.GLOBAL_AVG_POOL, KernelRule.ALWAYS),
            Set.of(NodeKind.MAX_POOL, NodeKind.PASS_THROUGH),
            Set.of(),
            PlacementRules.ConvFeed.SOURCE,
            Set.of(),
            false);

    /** Functions whose output holds the values of their first argument (where a quantizer is shared). */
    static final Set<String> TRANSPARENT = Set.of("torch.max_pool1d", "torch.max_pool2d", "torch.max_pool3d",
            "torch.flatten", "torch.reshape", "torch.view", "torch.transpose", "torch.permute", "torch.squeeze",
            "torch.unsqueeze", "torch.contiguous");
    private static final Set<String> ADDS = Set.of("torch.add", "torch.add_");
    private static final Set<String> POOLS = Set.of("torch.adaptive_avg_pool1d", "torch.adaptive_avg_pool2d",
            "torch.adaptive_avg_pool3d", "torch.avg_pool1d", "torch.avg_pool2d", "torch.avg_pool3d");
    private static final Map<String, NodeKind> KINDS = kinds();

    private DjlGraphView() {
    }

    private static Map<String, NodeKind> kinds() {
        Map<String, NodeKind> m = new HashMap<>();
        for (String op : TRANSPARENT) {
            m.put(op, op.startsWith("torch.max_pool") ? NodeKind.MAX_POOL : NodeKind.PASS_THROUGH);
        }
        for (String op : ADDS) {
            m.put(op, NodeKind.ADD);
        }
        for (String op : List.of("torch.relu", "torch.relu_")) {
            m.put(op, NodeKind.RELU);
        }
        for (String op : List.of("torch.clamp", "torch.clip", "torch.hardtanh", "torch.relu6")) {
            m.put(op, NodeKind.CLIP);
        }
        m.put("torch.mul", NodeKind.MUL);
        m.put("torch.sub", NodeKind.SUB);
        m.put("torch.div", NodeKind.DIV);
        m.put("torch.sigmoid", NodeKind.SIGMOID);
        m.put("torch.tanh", NodeKind.TANH);
        m.put("torch.gelu", NodeKind.GELU);
        m.put("torch.silu", NodeKind.SILU);
        m.put("torch.softmax", NodeKind.SOFTMAX);
        m.put("torch.layer_norm", NodeKind.NORMALIZATION);
        m.put("torch.batch_norm", NodeKind.NORMALIZATION);
        m.put("torch.cat", NodeKind.CONCAT);
        m.put("torch.mean", NodeKind.REDUCE_MEAN);
        return Map.copyOf(m);
    }

    /** The view of {@code program}. */
    static GraphView build(FlatProgram program) {
        Map<Value, FlatProgram.Op> ops = new IdentityHashMap<>();
        program.ops.forEach(op -> ops.put(op.output, op));
        Map<Value, Integer> reads = new IdentityHashMap<>();
        for (Value v : program.values) {
            for (Value a : v.defArgs) {
                if (a != null) {
                    reads.merge(a, 1, Integer::sum);
                }
            }
        }
        Set<String> floats = new HashSet<>();
        Set<String> external = new HashSet<>();
        for (Value v : program.values) {
            if ((v.kind == Kind.INPUT || v.kind == Kind.COMPUTED) && !v.conditional) {
                floats.add(v.name);
                // reads the flattened calls do not show as arguments (lists, tuples, the return)
                if (v.uses > reads.getOrDefault(v, 0)) {
                    external.add(v.name);
                }
            }
        }
        List<GraphNode> nodes = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        for (Value v : program.values) {
            if (v.kind != Kind.COMPUTED) {
                continue;
            }
            List<String> args = new ArrayList<>();
            v.defArgs.forEach(a -> args.add(a == null ? "" : a.name));
            FlatProgram.Op op = ops.get(v);
            if (v.conditional) {
                nodes.add(GraphNode.of(v.name + "?" + nodes.size(), String.valueOf(v.defOp), NodeKind.OTHER, args, List.of()));
            } else if (op != null) {
                nodes.add(weighted(program, op, v, args, seen));
            } else {
                nodes.add(weightless(v, args));
            }
        }
        return new GraphView(nodes, floats, external, Map.of());
    }

    /** A conv/linear op: its activation first, its weight and bias, the output channels on axis 1. */
    private static GraphNode weighted(FlatProgram program, FlatProgram.Op op, Value v, List<String> args,
                                      Map<String, Integer> seen) {
        String base = op.weightPath.endsWith(".weight")
                ? op.weightPath.substring(0, op.weightPath.length() - ".weight".length()) : op.weightPath;
        int n = seen.merge(base, 1, Integer::sum);
        String id = n == 1 ? base : base + "#" + n;
        List<String> inputs = new ArrayList<>(List.of(op.input.name));
        List<String> rest = new ArrayList<>(args);
        rest.remove(op.input.name);
        inputs.addAll(rest);
        NodeKind kind = op.opType.startsWith("ConvTranspose") ? NodeKind.CONV_TRANSPOSE
                : op.opType.startsWith("Conv") ? NodeKind.CONV : op.opType.equals("Linear") ? NodeKind.LINEAR : NodeKind.MATMUL;
        return new GraphNode(id, op.opType, kind, inputs, List.of(v.name), op.weightPath,
                program.tensors.get(op.weightPath).size, op.weightChannelAxis, op.biasPath, op.output.name, 1);
    }

    /** Any other computed value; residual adds and average pools get the op types of the ONNX spelling. */
    private static GraphNode weightless(Value v, List<String> args) {
        NodeKind kind = v.defOp == null ? NodeKind.OTHER : KINDS.getOrDefault(v.defOp, NodeKind.OTHER);
        String opType = v.defOp == null ? "" : v.defOp;
        List<String> inputs = args;
        if (kind == NodeKind.ADD) {
            opType = "Add";
            inputs = new ArrayList<>(args.subList(0, Math.min(2, args.size())));
            for (int i = 2; i < args.size(); i++) {
                if (!args.get(i).isEmpty()) {
                    inputs.add(args.get(i)); // a tensor alpha: not a two-operand add
                }
            }
        } else if (v.defOp != null && POOLS.contains(v.defOp)) {
            boolean global = v.defOp.startsWith("torch.adaptive") && v.defArgTexts.size() > 1
                    && v.defArgTexts.get(1).replace(" ", "").matches("\\[1(,1)*\\]");
            kind = global ? NodeKind.GLOBAL_AVG_POOL : NodeKind.AVG_POOL;
            opType = global ? "GlobalAveragePool" : "AveragePool";
        }
        return new GraphNode(v.name, opType, kind, inputs, List.of(v.name), null, null, 0, null, v.name, 1);
    }
}
