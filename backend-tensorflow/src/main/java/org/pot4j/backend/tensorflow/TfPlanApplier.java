package org.pot4j.backend.tensorflow;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.Tensor;
import org.pot4j.api.quant.ActivationQuantizer;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.api.quant.WeightQuantizer;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;

/**
 * Applies a {@link QuantizationPlan} to a frozen graph by rewiring edges, never by changing the
 * original ops:
 * <ul>
 *   <li>a quantized weight becomes {@code Const(int8) -> Cast(float) [-> Sub(zero point)] -> Mul(scale)},
 *       with one scale per output channel broadcast along the channel axis, so the graph stores
 *       8-bit weights and the runtime dequantizes them (constant folding does it once per session);</li>
 *   <li>a bias shift replaces the bias input of the {@code BiasAdd} by a new constant, bias + shift;</li>
 *   <li>an activation quantizer inserts {@code FakeQuantWithMinMaxVars(min, max, num_bits)} after the
 *       tensor and makes every consumer read it. TensorFlow nudges the range so zero is exact; the
 *       plan's ranges ({@link ActivationQuantizer#rangeMin()}/{@code rangeMax()}) already put zero on
 *       the grid, so nudging changes nothing.</li>
 * </ul>
 * Nodes in {@link QuantizationPlan#fp32Nodes()} keep their FP32 weight and bias, and an activation
 * quantizer is dropped when every node that lists the tensor is in that set (the NNCF quantizer
 * group rule of {@link org.pot4j.api.model.QuantizableNode}). The result is
 * pruned to what the outputs and requested extra tensors need, so replaced FP32 weights vanish.
 */
final class TfPlanApplier {
    private final TfGraphSource source;
    private final Map<String, TfNodeInfo> nodes = new LinkedHashMap<>();
    private final Graph analysis;
    private final Function<TfNodeInfo, Tensor> weights;
    private final Function<TfNodeInfo, Tensor> biases;
    private final List<NodeDef.Builder> builders = new ArrayList<>();
    private final Map<String, NodeDef.Builder> byName = new HashMap<>();
    private final Set<String> used = new HashSet<>();

    /** A rewritten graph and the tensors to fetch for the model outputs and the extra outputs. */
    record Result(GraphDef graph, List<String> outputTensors, Map<String, String> extraTensors) {
    }

    private TfPlanApplier(TfGraphSource source, List<TfNodeInfo> nodes, Graph analysis,
                          Function<TfNodeInfo, Tensor> weights, Function<TfNodeInfo, Tensor> biases) {
        this.source = source;
        nodes.forEach(n -> this.nodes.put(n.op(), n));
        this.analysis = analysis;
        this.weights = weights;
        this.biases = biases;
        for (NodeDef n : source.graph().getNodeList()) {
            NodeDef.Builder b = n.toBuilder();
            builders.add(b);
            byName.put(n.getName(), b);
            used.add(n.getName());
        }
    }

    /**
     * Rewrites {@code source} under {@code plan}.
     *
     * @param analysis the source graph imported into TensorFlow (for tensor types and output counts)
     * @param weights  FP32 weight of a node, in TensorFlow layout
     * @param biases   FP32 bias of a node
     * @param extras   tensors to expose as extra outputs (their values before any fake quantization)
     * @throws Pot4jException {@code CONFIG_INVALID} when the plan names nodes or tensors the model lacks
     *                        or its quantizers do not fit the weights
     */
    static Result apply(TfGraphSource source, List<TfNodeInfo> nodes, Graph analysis, Function<TfNodeInfo, Tensor> weights,
                        Function<TfNodeInfo, Tensor> biases, QuantizationPlan plan, Collection<String> extras) {
        return new TfPlanApplier(source, nodes, analysis, weights, biases).run(plan, extras);
    }

    private Result run(QuantizationPlan plan, Collection<String> extras) {
        for (Map.Entry<String, WeightQuantizer> e : plan.weights().entrySet()) {
            TfNodeInfo info = node(e.getKey(), "weight quantizer");
            if (!plan.fp32Nodes().contains(info.op())) {
                quantizeWeight(info, e.getValue());
            }
        }
        for (Map.Entry<String, float[]> e : plan.biasShifts().entrySet()) {
            TfNodeInfo info = node(e.getKey(), "bias shift");
            if (!plan.fp32Nodes().contains(info.op())) {
                shiftBias(info, e.getValue());
            }
        }
        Map<String, String> fakeQuant = new LinkedHashMap<>();
        Map<String, List<String>> owners = activationOwners();
        for (Map.Entry<String, ActivationQuantizer> e : plan.activations().entrySet()) {
            String tensor = existingTensor(e.getKey(), "activation quantizer");
            List<String> by = owners.getOrDefault(tensor, List.of());
            if (!by.isEmpty() && plan.fp32Nodes().containsAll(by)) {
                continue; // every node that needs this quantizer is kept in FP32
            }
            if (!fakeQuant.containsKey(tensor)) {
                fakeQuant.put(tensor, insertFakeQuant(tensor, e.getValue()));
            }
        }
        Map<String, String> renamed = new HashMap<>();
        List<String> outputs = new ArrayList<>();
        for (TfEndpoint out : source.outputs()) {
            String fq = fakeQuant.get(out.tensor());
            outputs.add(fq == null ? out.tensor() : keepOutputName(out.tensor(), fq, renamed));
        }
        Map<String, String> extraTensors = new LinkedHashMap<>();
        for (String extra : extras) {
            String tensor = existingTensor(extra, "extra output");
            String op = renamed.getOrDefault(TfNames.opName(tensor), TfNames.opName(tensor));
            extraTensors.put(extra, TfNames.tensor(op, TfNames.outputIndex(tensor)));
        }
        GraphDef.Builder g = source.graph().toBuilder().clearNode();
        builders.forEach(b -> g.addNode(b.build()));
        List<String> roots = new ArrayList<>(outputs);
        roots.addAll(extraTensors.values());
        source.inputs().forEach(in -> roots.add(in.tensor()));
        return new Result(TfGraphDefs.prune(g.build(), roots), outputs, extraTensors);
    }

    /** The nodes that list each activation tensor (their quantizer group), by canonical tensor name. */
    private Map<String, List<String>> activationOwners() {
        Map<String, List<String>> out = new HashMap<>();
        for (TfNodeInfo info : nodes.values()) {
            List<String> tensors = new ArrayList<>(info.node().activationInputs());
            tensors.addAll(info.node().activationOutputs());
            for (String t : tensors) {
                out.computeIfAbsent(TfNames.canonical(t), k -> new ArrayList<>()).add(info.op());
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- weights and biases

    private void quantizeWeight(TfNodeInfo info, WeightQuantizer q) {
        if (info.weightTensor() == null) {
            throw new Pot4jException(ErrorCode.CONFIG_INVALID, "the plan has a weight quantizer for node " + info.op()
                    + ", which has no weight (" + info.node().opType() + "); recompute the plan for this model");
        }
        Tensor w = weights.apply(info);
        long[] shape = w.shape();
        int axis = q.axis();
        if (axis >= shape.length || (axis >= 0 && q.scales().length != shape[axis])) {
            throw new Pot4jException(ErrorCode.CONFIG_INVALID, "the plan's weight quantizer of node " + info.op() + " has "
                    + q.scales().length + " scales on axis " + axis + " but its weight has shape " + java.util.Arrays.toString(shape)
                    + "; recompute the plan for this model");
        }
        float[] values = w.floats();
        long inner = 1;
        for (int d = axis + 1; d < shape.length && axis >= 0; d++) {
            inner *= shape[d];
        }
        int channels = axis < 0 ? 1 : (int) shape[axis];
        boolean wide = q.bits() > 8;
        ByteBuffer stored = ByteBuffer.allocate(values.length * (wide ? 2 : 1)).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < values.length; i++) {
            int channel = axis < 0 ? 0 : (int) ((i / inner) % channels);
            int v = q.quantize(values[i], channel);
            if (wide) {
                stored.putShort((short) v);
            } else {
                stored.put((byte) v);
            }
        }
        String base = info.op() + "/pot4j_weight";
        long[] scaleShape = broadcastShape(shape.length, axis, channels);
        DataType storage = wide ? DataType.DT_INT16 : DataType.DT_INT8;
        String quantized = add(TfTensors.constNode(base + "/quantized", storage, shape, stored.array()));
        NodeDef.Builder cast = NodeDef.newBuilder().setName(base + "/cast").setOp("Cast").addInput(quantized)
                .putAttr("SrcT", type(storage)).putAttr("DstT", type(DataType.DT_FLOAT))
                .putAttr("Truncate", AttrValue.newBuilder().setB(false).build());
        String value = add(cast.build());
        if (!q.symmetric()) {
            float[] zp = new float[channels];
            int[] zeroPoints = q.zeroPoints();
            for (int c = 0; c < channels; c++) {
                zp[c] = zeroPoints[c];
            }
            String zero = add(TfTensors.floatConst(base + "/zero_point", scaleShape, zp));
            value = add(binary("Sub", base + "/centered", value, zero));
        }
        String scale = add(TfTensors.floatConst(base + "/scale", scaleShape, q.scales()));
        String dequantized = add(binary("Mul", base + "/dequantized", value, scale));
        byName.get(info.op()).setInput(info.weightInput(), dequantized);
    }

    private void shiftBias(TfNodeInfo info, float[] shift) {
        if (info.biasOp() == null) {
            throw new Pot4jException(ErrorCode.CONFIG_INVALID, "the plan shifts the bias of node " + info.op()
                    + ", which has no bias; recompute the plan for this model");
        }
        float[] bias = biases.apply(info).floats();
        if (shift.length != bias.length) {
            throw new Pot4jException(ErrorCode.CONFIG_INVALID, "the plan's bias shift of node " + info.op() + " has "
                    + shift.length + " values but the bias has " + bias.length + "; recompute the plan for this model");
        }
        float[] shifted = new float[bias.length];
        for (int i = 0; i < bias.length; i++) {
            shifted[i] = bias[i] + shift[i];
        }
        String name = add(TfTensors.floatConst(info.op() + "/pot4j_bias", new long[] {bias.length}, shifted));
        byName.get(info.biasOp()).setInput(info.biasInput(), name);
    }

    /** Shape of per-channel constants that broadcasts along {@code axis} of a rank-{@code rank} tensor. */
    private static long[] broadcastShape(int rank, int axis, int channels) {
        if (axis < 0) {
            return new long[0];
        }
        long[] s = new long[rank - axis];
        java.util.Arrays.fill(s, 1);
        s[0] = channels;
        return s;
    }

    // ---------------------------------------------------------------- activations

    private String insertFakeQuant(String tensor, ActivationQuantizer q) {
        String op = TfNames.opName(tensor);
        int index = TfNames.outputIndex(tensor);
        String name = TfGraphDefs.uniqueName(op + "/pot4j_fake_quant" + (index == 0 ? "" : "_" + index), used);
        String min = add(TfTensors.floatConst(name + "/min", new long[0], new float[] {q.rangeMin()}));
        String max = add(TfTensors.floatConst(name + "/max", new long[0], new float[] {q.rangeMax()}));
        NodeDef fq = NodeDef.newBuilder().setName(name).setOp("FakeQuantWithMinMaxVars")
                .addInput(TfNames.input(op, index)).addInput(min).addInput(max)
                .putAttr("num_bits", AttrValue.newBuilder().setI(q.bits()).build())
                .putAttr("narrow_range", AttrValue.newBuilder().setB(false).build())
                .build();
        for (NodeDef.Builder b : builders) {
            for (int i = 0; i < b.getInputCount(); i++) {
                String in = b.getInput(i);
                if (!TfNames.isControl(in) && TfNames.canonical(in).equals(tensor)) {
                    b.setInput(i, name);
                }
            }
        }
        used.remove(name);
        add(fq);
        return TfNames.tensor(name, 0);
    }

    /**
     * Gives the fake-quantized output the producer's name, so a frozen graph's output keeps the
     * name users fetch; the producer is renamed {@code <name>/pot4j_fp32}. Only for single-output
     * ops; otherwise the output is fetched from the FakeQuant node directly.
     */
    private String keepOutputName(String tensor, String fqTensor, Map<String, String> renamed) {
        String producer = TfNames.opName(tensor);
        GraphOperation op = analysis.operation(producer);
        boolean isInput = source.inputs().stream().anyMatch(in -> TfNames.opName(in.tensor()).equals(producer));
        if (renamed.containsKey(producer)) {
            return TfNames.tensor(producer, 0);
        }
        if (op == null || op.numOutputs() != 1 || isInput) {
            return fqTensor;
        }
        String fq = TfNames.opName(fqTensor);
        String moved = TfGraphDefs.uniqueName(producer + "/pot4j_fp32", used);
        Map<String, String> swap = Map.of(producer, moved, fq, producer);
        for (NodeDef.Builder b : builders) {
            if (swap.containsKey(b.getName())) {
                b.setName(swap.get(b.getName()));
            }
            for (int i = 0; i < b.getInputCount(); i++) {
                String in = b.getInput(i);
                String target = swap.get(TfNames.opName(in));
                if (target != null) {
                    b.setInput(i, TfNames.isControl(in) ? "^" + target : TfNames.input(target, TfNames.outputIndex(in)));
                }
            }
        }
        renamed.put(producer, moved);
        return TfNames.tensor(producer, 0);
    }

    // ---------------------------------------------------------------- helpers

    private TfNodeInfo node(String id, String what) {
        TfNodeInfo info = nodes.get(id);
        if (info == null) {
            throw new Pot4jException(ErrorCode.CONFIG_INVALID, "the plan has a " + what + " for node '" + id
                    + "', which is not a quantizable node of this model; recompute the plan for this model");
        }
        return info;
    }

    private String existingTensor(String name, String what) {
        String tensor = TfNames.canonical(name);
        GraphOperation op = analysis.operation(TfNames.opName(tensor));
        if (op == null || TfNames.outputIndex(tensor) >= op.numOutputs()) {
            throw new Pot4jException(ErrorCode.CONFIG_INVALID, "the plan names tensor '" + name + "' (" + what
                    + "), which this model does not have; recompute the plan for this model");
        }
        DataType type = op.output(TfNames.outputIndex(tensor)).dataType();
        if (what.startsWith("activation") && type != DataType.DT_FLOAT) {
            throw new Pot4jException(ErrorCode.CONFIG_INVALID, "the plan quantizes tensor '" + name + "' of type "
                    + TfDataTypes.readable(type) + "; only float32 activations can be fake-quantized");
        }
        return tensor;
    }

    private String add(NodeDef node) {
        String name = TfGraphDefs.uniqueName(node.getName(), used);
        NodeDef.Builder b = node.toBuilder().setName(name);
        builders.add(b);
        byName.put(name, b);
        return name;
    }

    private static NodeDef binary(String op, String name, String a, String b) {
        return NodeDef.newBuilder().setName(name).setOp(op).addInput(a).addInput(b)
                .putAttr("T", type(DataType.DT_FLOAT)).build();
    }

    private static AttrValue type(DataType t) {
        return AttrValue.newBuilder().setType(t).build();
    }
}
