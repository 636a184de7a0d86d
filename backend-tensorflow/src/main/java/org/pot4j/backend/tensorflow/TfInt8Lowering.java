package org.pot4j.backend.tensorflow;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.TensorProto;

/**
 * Lowers the fake-quantized graph of {@link TfPlanApplier} onto TensorFlow's oneDNN int8 kernels.
 *
 * <p>It is a pattern pass over that graph, so everything the plan applier decided (which nodes are
 * quantized, FP32 islands of AccuracyAware, bias shifts) carries over unchanged:
 * <pre>
 *   FakeQuant(x) -> Conv2D(., Mul(Cast(Const int8 W), scale)) -> BiasAdd(b) [-> Relu|Relu6] -> FakeQuant(y)
 *   ==> QuantizeV2(x) -> _FusedQuantizedConv2D(BiasAdd[, Relu], Requantize) -> Dequantize  (named like FakeQuant(y))
 *
 *   FakeQuant(x) -> MatMul(., Mul(Cast(Const int8 W), scale)) [-> BiasAdd(b)]
 *   ==> QuantizeV2(x) -> _QuantizedMatMul(BiasAdd, Dequantize)                            (named like the last float op)
 * </pre>
 * The int8 weight constant is reused as a qint8 constant (weights are stored once) with per-channel
 * ranges {@code +-127 * scale}. A convolution that reads another lowered convolution's output reads
 * its 8-bit tensor directly (the {@code Dequantize -> QuantizeV2} pair is folded away); the
 * {@code Dequantize} stays only for float consumers (residual adds, pooling, outputs), which the
 * final pruning removes when nothing reads it. A node that does not match - a kernel the probe found
 * missing, an asymmetric range (the {@code mixed} preset), an FP32 node of the plan - keeps its
 * fake-quant form: a float island, never a failure. Names of every tensor a float consumer or an
 * output reads are kept.
 */
final class TfInt8Lowering {
    /** Ops between a FakeQuant and a convolution input that keep values on the quantization grid. */
    private static final Set<String> GRID_PRESERVING = Set.of("MaxPool", "Pad", "Reshape", "Identity", "Squeeze", "ExpandDims");

    private final Map<String, NodeDef.Builder> byName = new LinkedHashMap<>();
    private final Map<String, List<TfGraphDefs.Use>> consumers;
    private final Set<String> used = new HashSet<>();
    private final TfInt8Kernels kernels;
    /** 8-bit form of float tensors: canonical float tensor -> quantized value and its range outputs. */
    private final Map<String, Quantized> quantized = new HashMap<>();
    private final List<String> lowered = new ArrayList<>();
    private final Map<String, String> kept = new LinkedHashMap<>();

    /** An 8-bit tensor with its range tensors, SCALED mode. */
    private record Quantized(String value, String min, String max, DataType type) {
    }

    /** The lowered graph and, per quantizable op, whether it runs on an int8 kernel or why not. */
    record Result(GraphDef graph, List<String> lowered, Map<String, String> kept) {
    }

    private TfInt8Lowering(GraphDef graph, TfInt8Kernels kernels) {
        for (NodeDef n : graph.getNodeList()) {
            byName.put(n.getName(), n.toBuilder());
            used.add(n.getName());
        }
        this.consumers = TfGraphDefs.consumers(graph);
        this.kernels = kernels;
    }

    /**
     * Lowers {@code graph} (a {@link TfPlanApplier} result) and prunes it to {@code roots}.
     *
     * @param kernels which int8 kernels this TensorFlow runs (ops whose kernel is missing stay fake-quantized)
     */
    static Result lower(GraphDef graph, List<String> roots, TfInt8Kernels kernels) {
        TfInt8Lowering l = new TfInt8Lowering(graph, kernels);
        for (NodeDef n : TfGraphDefs.topologicalOrder(graph)) {
            switch (n.getOp()) {
                case "Conv2D", "DepthwiseConv2dNative", "MatMul" -> l.tryLower(n);
                default -> { }
            }
        }
        l.shapesFrom8Bit();
        GraphDef.Builder b = graph.toBuilder().clearNode();
        l.byName.values().forEach(n -> b.addNode(n.build()));
        return new Result(TfGraphDefs.prune(b.build(), roots), List.copyOf(l.lowered), Map.copyOf(l.kept));
    }

    /**
     * Makes {@code Shape} read the 8-bit form of a tensor (same shape), so a float tensor kept only
     * for its shape (e.g. Keras' Flatten computes the target shape from it) is pruned.
     */
    private void shapesFrom8Bit() {
        for (NodeDef.Builder n : byName.values()) {
            if (n.getOp().equals("Shape") && n.getInputCount() == 1) {
                Quantized q = quantized.get(TfNames.canonical(n.getInput(0)));
                if (q != null) {
                    n.setInput(0, q.value()).putAttr("T", TfQuantOps.type(q.type()));
                }
            }
        }
    }

    private void tryLower(NodeDef n) {
        String why = n.getOp().equals("MatMul") ? lowerMatMul(n) : lowerConv(n);
        if (why == null) {
            lowered.add(n.getName());
        } else {
            kept.put(n.getName(), why);
        }
    }

    // ---------------------------------------------------------------- convolutions

    private String lowerConv(NodeDef conv) {
        boolean depthwise = conv.getOp().equals("DepthwiseConv2dNative");
        if (!(depthwise ? kernels.depthwiseConv() : kernels.conv())) {
            return "this TensorFlow has no working " + (depthwise ? "_FusedQuantizedDepthwiseConv2D" : "_FusedQuantizedConv2D")
                    + " kernel (see the int8 kernel probe in the log)";
        }
        if (!"NHWC".equals(attrString(conv, "data_format", "NHWC"))) {
            return "NCHW convolution";
        }
        Weight w = weight(conv, depthwise ? 2 : 3);
        if (w == null) {
            return "weight is not an int8 symmetric per-channel constant (FP32 node or asymmetric weights)";
        }
        if (depthwise && w.shape()[3] != 1) {
            return "depthwise convolution with depth multiplier " + w.shape()[3];
        }
        long[] explicitPads = foldablePad(conv);
        Input in = input(explicitPads == null ? conv.getInput(0) : node(TfNames.opName(conv.getInput(0))).getInput(0));
        if (in.why != null) {
            return in.why;
        }
        // conv -> [BiasAdd] -> [Relu|Relu6] -> FakeQuant, each read only by the next
        NodeDef next = soleConsumer(conv.getName());
        String bias = null;
        String last = conv.getName();
        if (next != null && next.getOp().equals("BiasAdd") && "NHWC".equals(attrString(next, "data_format", "NHWC"))) {
            bias = next.getInput(1);
            last = next.getName();
            next = soleConsumer(last);
        }
        String activation = null;
        if (next != null && (next.getOp().equals("Relu") || next.getOp().equals("Relu6"))) {
            activation = next.getOp();
            last = next.getName();
            next = soleConsumer(last);
        }
        if (next == null || !next.getOp().equals("FakeQuantWithMinMaxVars")) {
            return "output is not quantized";
        }
        String base = conv.getName() + "/pot4j_int8";
        NodeDef convAttrs = conv;
        if (explicitPads != null) {
            AttrValue.ListValue.Builder pads = AttrValue.ListValue.newBuilder();
            for (long p : explicitPads) {
                pads.addI(p);
            }
            convAttrs = conv.toBuilder().putAttr("padding", AttrValue.newBuilder().setS(com.google.protobuf.ByteString.copyFromUtf8("EXPLICIT")).build())
                    .putAttr("explicit_paddings", AttrValue.newBuilder().setList(pads).build()).build();
        }
        Quantized x = in.value;
        if (activation == null && !depthwise && kernels.convSum() && lowerResidual(conv, convAttrs, w, bias, x, next, base)) {
            return null;
        }
        Range out = range(next);
        if (out == null) {
            return "output range is asymmetric or not 8-bit";
        }
        if ("Relu6".equals(activation) && (out.signed || out.max > 6.0001f)) {
            return "Relu6 whose output range goes past 6";
        }
        if (bias == null) {
            bias = add(TfTensors.floatConst(base + "/zero_bias", new long[] {w.channels()}, new float[w.channels()]));
        }
        String filter = filter(base, w);
        String outMin = add(TfTensors.floatConst(base + "/min_out", new long[0], new float[] {out.signed ? -out.max : 0f}));
        String outMax = add(TfTensors.floatConst(base + "/max_out", new long[0], new float[] {out.max}));
        DataType outType = out.signed ? DataType.DT_QINT8 : DataType.DT_QUINT8;
        String fused = add(TfQuantOps.fusedConv(base, depthwise, convAttrs, List.of(x.value, filter, bias, x.min, x.max,
                filter + "/min", filter + "/max", outMin, outMax), x.type, activation != null, outType));
        Quantized y = new Quantized(fused, TfNames.input(fused, 1), TfNames.input(fused, 2), outType);
        // the FakeQuant's name now denotes the dequantized int8 result, for the float consumers
        replace(next.getName(), dequantized(next.getName(), y, out));
        quantized.put(TfNames.canonical(next.getName()), y);
        return null;
    }

    /**
     * The float value of an int8 result, named {@code name}: a quint8 {@code Dequantize}, or for qint8
     * {@code Bitcast(int8) -> Cast(float) -> Mul(max / 127)}, three plain kernels that together cost less than
     * the oneDNN {@code Dequantize} TensorFlow substitutes for a SCALED one (~45 us per call on small tensors).
     */
    private NodeDef dequantized(String name, Quantized y, Range r) {
        if (!r.signed) {
            return TfQuantOps.dequantize(name, y.value(), y.min(), y.max(), y.type());
        }
        String base = name + "/pot4j_dequantize";
        String bits = add(NodeDef.newBuilder().setName(base + "/bitcast").setOp("Bitcast").addInput(y.value())
                .putAttr("T", TfQuantOps.type(DataType.DT_QINT8)).putAttr("type", TfQuantOps.type(DataType.DT_INT8)).build());
        String cast = add(NodeDef.newBuilder().setName(base + "/cast").setOp("Cast").addInput(bits)
                .putAttr("SrcT", TfQuantOps.type(DataType.DT_INT8)).putAttr("DstT", TfQuantOps.type(DataType.DT_FLOAT))
                .putAttr("Truncate", AttrValue.newBuilder().setB(false).build()).build());
        String step = add(TfTensors.floatConst(base + "/step", new long[0], new float[] {r.max / 127f}));
        return NodeDef.newBuilder().setName(name).setOp("Mul").addInput(cast).addInput(step)
                .putAttr("T", TfQuantOps.type(DataType.DT_FLOAT)).build();
    }

    /**
     * A ResNet residual block end, {@code FakeQuant(conv + bias) + other -> Relu -> FakeQuant}, as one
     * kernel that adds the 8-bit {@code other} and applies Relu before requantizing (the float
     * {@code Dequantize, AddV2, Relu, QuantizeV2} between blocks disappear). Dropping the rounding of
     * the convolution's own output quantizer before the add only makes the sum more exact.
     *
     * @return false (nothing changed) when the pattern does not match
     */
    private boolean lowerResidual(NodeDef conv, NodeDef convAttrs, Weight w, String bias, Quantized x, NodeDef convOut, String base) {
        NodeDef addNode = soleConsumer(convOut.getName());
        if (addNode == null || !(addNode.getOp().equals("AddV2") || addNode.getOp().equals("Add")) || addNode.getInputCount() != 2) {
            return false;
        }
        int self = TfNames.opName(addNode.getInput(0)).equals(convOut.getName()) ? 0 : 1;
        String other = addNode.getInput(1 - self);
        if (TfNames.opName(other).equals(convOut.getName())) {
            return false;
        }
        NodeDef relu = soleConsumer(addNode.getName());
        if (relu == null || !relu.getOp().equals("Relu")) {
            return false;
        }
        NodeDef outFq = soleConsumer(relu.getName());
        if (outFq == null || !outFq.getOp().equals("FakeQuantWithMinMaxVars")) {
            return false;
        }
        Range out = range(outFq);
        NodeDef otherNode = node(TfNames.opName(other));
        boolean otherQuantized = quantized.containsKey(TfNames.canonical(other))
                || otherNode != null && otherNode.getOp().equals("FakeQuantWithMinMaxVars");
        if (out == null || out.signed || !otherQuantized) {
            return false;
        }
        Input summand = input(other);
        if (summand.why != null || summand.value.type() != DataType.DT_QUINT8) {
            return false; // the kernel gets qint8 summands wrong (see TfInt8Kernels); the add stays in float
        }
        String b = bias != null ? bias
                : add(TfTensors.floatConst(base + "/zero_bias", new long[] {w.channels()}, new float[w.channels()]));
        String filter = filter(base, w);
        String outMin = add(TfTensors.floatConst(base + "/min_out", new long[0], new float[] {0f}));
        String outMax = add(TfTensors.floatConst(base + "/max_out", new long[0], new float[] {out.max}));
        Quantized s = summand.value;
        String fused = add(TfQuantOps.fusedConvSumRelu(base, convAttrs, List.of(x.value, filter, b, s.value, x.min, x.max,
                filter + "/min", filter + "/max", s.min, s.max, outMin, outMax), x.type, s.type));
        Quantized y = new Quantized(fused, TfNames.input(fused, 1), TfNames.input(fused, 2), DataType.DT_QUINT8);
        replace(outFq.getName(), TfQuantOps.dequantize(outFq.getName(), y.value, y.min, y.max, DataType.DT_QUINT8));
        quantized.put(TfNames.canonical(outFq.getName()), y);
        return true;
    }

    /**
     * The paddings {@code [0,0, top,bottom, left,right, 0,0]} of a zero {@code Pad} that feeds a VALID
     * convolution straight from a quantized tensor, so the fused kernel pads itself (EXPLICIT padding)
     * and the Pad, its FakeQuant input and a QuantizeV2 disappear; null when there is no such Pad.
     */
    private long[] foldablePad(NodeDef conv) {
        NodeDef pad = node(TfNames.opName(conv.getInput(0)));
        if (pad == null || !pad.getOp().equals("Pad") || !isZeroPad(pad) || !"VALID".equals(attrString(conv, "padding", ""))) {
            return null;
        }
        String source = TfNames.canonical(pad.getInput(0));
        NodeDef producer = node(TfNames.opName(source));
        if (!quantized.containsKey(source) && (producer == null || !producer.getOp().equals("FakeQuantWithMinMaxVars"))) {
            return null;
        }
        NodeDef paddings = node(TfNames.opName(pad.getInput(1)));
        if (paddings == null || !paddings.getOp().equals("Const")) {
            return null;
        }
        long[] p = ints(paddings);
        if (p.length != 8 || p[0] != 0 || p[1] != 0 || p[6] != 0 || p[7] != 0) {
            return null;
        }
        return p;
    }

    /** Adds the qint8 filter constant and its per-channel ranges ({@code <name>/min}, {@code <name>/max}). */
    private String filter(String base, Weight w) {
        String name = add(TfQuantOps.qint8Const(base + "/filter", w.shape(), w.values()));
        float[] min = new float[w.scales().length];
        float[] max = new float[w.scales().length];
        for (int c = 0; c < max.length; c++) {
            max[c] = 127f * w.scales()[c];
            min[c] = -max[c];
        }
        long[] shape = {max.length};
        addExact(TfTensors.floatConst(name + "/min", shape, min));
        addExact(TfTensors.floatConst(name + "/max", shape, max));
        return name;
    }

    // ---------------------------------------------------------------- matmul

    private String lowerMatMul(NodeDef mm) {
        if (!kernels.matMul()) {
            return "this TensorFlow has no working _QuantizedMatMul kernel (see the int8 kernel probe in the log)";
        }
        if (attrBool(mm, "transpose_a")) {
            return "MatMul with transpose_a";
        }
        boolean transposeB = attrBool(mm, "transpose_b");
        Weight w = weight(mm, transposeB ? 0 : 1);
        if (w == null) {
            return "weight is not an int8 symmetric per-channel constant (FP32 node or asymmetric weights)";
        }
        Input in = input(mm.getInput(0));
        if (in.why != null) {
            return in.why;
        }
        NodeDef next = soleConsumer(mm.getName());
        String bias;
        String last = mm.getName();
        if (next != null && (next.getOp().equals("BiasAdd") || next.getOp().equals("AddV2") || next.getOp().equals("Add"))
                && TfNames.opName(next.getInput(0)).equals(mm.getName()) && isChannelConst(next.getInput(1), w.channels())) {
            bias = next.getInput(1);
            last = next.getName();
        } else {
            bias = null;
        }
        String base = mm.getName() + "/pot4j_int8";
        if (bias == null) {
            bias = add(TfTensors.floatConst(base + "/zero_bias", new long[] {w.channels()}, new float[w.channels()]));
        }
        Quantized x = in.value;
        String filter = filter(base, w);
        // the kernel's output range inputs are unused with a Dequantize output, but must be there
        String outMin = add(TfTensors.floatConst(base + "/min_out", new long[0], new float[] {-1f}));
        String outMax = add(TfTensors.floatConst(base + "/max_out", new long[0], new float[] {1f}));
        NodeDef q = TfQuantOps.matMulDequantize(last, mm, List.of(x.value, filter, bias, x.min, x.max, filter + "/min",
                filter + "/max", outMin, outMax), x.type);
        replace(last, q);
        return null;
    }

    // ---------------------------------------------------------------- inputs

    /** The 8-bit form of a quantized op's data input, or why there is none. */
    private record Input(Quantized value, String why) {
    }

    /**
     * The 8-bit form of {@code tensor}: a lowered convolution's own output, or a {@code QuantizeV2} with
     * the range of the FakeQuant it comes from (directly, or through ops that keep values on its grid,
     * such as MaxPool and zero Pad, so quantizing their output again is exact).
     */
    private Input input(String tensor) {
        String t = TfNames.canonical(tensor);
        Quantized known = quantized.get(t);
        if (known != null) {
            return new Input(known, null);
        }
        Quantized moved = quantizedMove(t);
        if (moved != null) {
            return new Input(moved, null);
        }
        NodeDef fq = null;
        String cur = t;
        for (int hops = 0; hops < 10; hops++) {
            NodeDef n = node(TfNames.opName(cur));
            if (n == null) {
                break;
            }
            if (n.getOp().equals("FakeQuantWithMinMaxVars")) {
                fq = n;
                break;
            }
            if (quantized.containsKey(TfNames.canonical(n.getName()))) {
                fq = n; // the float value of a lowered convolution's output
                break;
            }
            if (!GRID_PRESERVING.contains(n.getOp()) || (n.getOp().equals("Pad") && !isZeroPad(n))) {
                break;
            }
            cur = TfNames.canonical(n.getInput(0));
        }
        if (fq == null) {
            return new Input(null, "input is not quantized");
        }
        Range r;
        String source;
        Quantized lowered8 = quantized.get(TfNames.canonical(fq.getName()));
        if (lowered8 != null) {
            Quantized q = lowered8;
            if (cur.equals(t)) {
                return new Input(q, null);
            }
            r = rangeOf(q);
            source = t;
        } else {
            r = range(fq);
            // quantize the FakeQuant's input when this op reads the FakeQuant itself: same values, one op less
            source = cur.equals(t) ? fq.getInput(0) : t;
        }
        if (r == null) {
            return new Input(null, "input range is asymmetric or not 8-bit");
        }
        String base = TfNames.opName(t) + (TfNames.outputIndex(t) == 0 ? "" : "_" + TfNames.outputIndex(t)) + "/pot4j_quantize";
        String min = add(TfTensors.floatConst(base + "/min", new long[0], new float[] {r.signed ? -r.max : 0f}));
        String max = add(TfTensors.floatConst(base + "/max", new long[0], new float[] {r.max}));
        DataType type = r.signed ? DataType.DT_QINT8 : DataType.DT_QUINT8;
        String q = add(TfQuantOps.quantize(base, source, min, max, type));
        Quantized out = new Quantized(q, TfNames.input(q, 1), TfNames.input(q, 2), type);
        quantized.put(t, out);
        return new Input(out, null);
    }

    /**
     * A MaxPool or Reshape of a tensor that has an 8-bit form, run on the 8-bit data
     * ({@code QuantizedMaxPool}, {@code QuantizedReshape}: same range in and out), or null.
     */
    private Quantized quantizedMove(String t) {
        NodeDef n = node(TfNames.opName(t));
        if (n == null || TfNames.outputIndex(t) != 0 || n.getInputCount() < 1) {
            return null;
        }
        boolean pool = n.getOp().equals("MaxPool") && "NHWC".equals(attrString(n, "data_format", "NHWC"));
        boolean reshape = n.getOp().equals("Reshape") && kernels.movesOn8Bit();
        if (!(pool && kernels.movesOn8Bit()) && !reshape) {
            return null;
        }
        String src = TfNames.canonical(n.getInput(0));
        NodeDef producer = node(TfNames.opName(src));
        if (!quantized.containsKey(src) && (producer == null || !producer.getOp().equals("FakeQuantWithMinMaxVars")
                && !quantizedMovable(producer))) {
            return null;
        }
        Input in = input(src);
        if (in.why != null) {
            return null;
        }
        Quantized q = in.value;
        String name = add(pool ? TfQuantOps.maxPool(n.getName() + "/pot4j_int8", n, q.value(), q.min(), q.max(), q.type())
                : TfQuantOps.reshape(n.getName() + "/pot4j_int8", n, q.value(), q.min(), q.max(), q.type()));
        Quantized out = new Quantized(name, TfNames.input(name, 1), TfNames.input(name, 2), q.type());
        quantized.put(t, out);
        return out;
    }

    /** A MaxPool/Reshape whose input could move to 8-bit too (a chain such as FakeQuant -> MaxPool -> Reshape). */
    private boolean quantizedMovable(NodeDef n) {
        return (n.getOp().equals("MaxPool") || n.getOp().equals("Reshape")) && quantizedMove(TfNames.canonical(n.getName())) != null;
    }

    /** The range of a lowered convolution's or QuantizeV2's output (its max constant). */
    private Range rangeOf(Quantized q) {
        NodeDef producer = node(TfNames.opName(q.value()));
        // max_out is the last input of the fused kernels, max_range the third of QuantizeV2
        String maxInput = producer.getOp().equals("QuantizeV2") ? producer.getInput(2) : producer.getInput(producer.getInputCount() - 1);
        float max = scalar(node(TfNames.opName(maxInput)));
        return new Range(q.type() == DataType.DT_QINT8, max);
    }

    // ---------------------------------------------------------------- ranges and weights

    /** A SCALED 8-bit range: {@code [0, max]} unsigned or {@code [-max, max]} signed (step max/127). */
    private record Range(boolean signed, float max) {
    }

    /**
     * The 8-bit range a FakeQuant stands for, or null when SCALED mode cannot express it: an unsigned
     * range starting at 0, or a signed one {@code [-128 s, 127 s]} (kept as {@code [-127 s, 127 s]}, the
     * same step; -128 is never produced).
     */
    private Range range(NodeDef fq) {
        AttrValue bits = fq.getAttrMap().get("num_bits");
        if (bits != null && bits.getI() != 8 || attrBool(fq, "narrow_range")) {
            return null;
        }
        NodeDef minNode = node(TfNames.opName(fq.getInput(1)));
        NodeDef maxNode = node(TfNames.opName(fq.getInput(2)));
        if (minNode == null || maxNode == null || !minNode.getOp().equals("Const") || !maxNode.getOp().equals("Const")) {
            return null;
        }
        float min = scalar(minNode);
        float max = scalar(maxNode);
        if (!(max > 0)) {
            return null;
        }
        if (min == 0f) {
            return new Range(false, max);
        }
        float step = max / 127f;
        if (Math.abs(-min / 128f - step) <= 1e-4f * step) {
            return new Range(true, max);
        }
        return null;
    }

    /** An int8 weight {@code Mul(Cast(Const int8), Const scale)} with per-channel scales along {@code axis}. */
    private record Weight(long[] shape, byte[] values, float[] scales) {
        int channels() {
            return scales.length;
        }
    }

    private Weight weight(NodeDef op, int axis) {
        NodeDef mul = node(TfNames.opName(op.getInput(1)));
        if (mul == null || !mul.getOp().equals("Mul")) {
            return null;
        }
        NodeDef cast = node(TfNames.opName(mul.getInput(0)));
        NodeDef scale = node(TfNames.opName(mul.getInput(1)));
        if (cast == null || !cast.getOp().equals("Cast") || scale == null || !scale.getOp().equals("Const")) {
            return null;
        }
        NodeDef q = node(TfNames.opName(cast.getInput(0)));
        if (q == null || !q.getOp().equals("Const")) {
            return null;
        }
        TensorProto t = q.getAttrMap().get("value").getTensor();
        if (t.getDtype() != DataType.DT_INT8 || t.getTensorContent().isEmpty()) {
            return null;
        }
        long[] shape = TfTensors.dims(t.getTensorShape());
        if (shape == null || axis >= shape.length) {
            return null;
        }
        float[] scales = floats(scale);
        int channels = (int) shape[axis];
        if (scales.length == 1 && channels > 1) {
            float s = scales[0];
            scales = new float[channels];
            java.util.Arrays.fill(scales, s);
        }
        if (scales.length != channels) {
            return null;
        }
        if (axis != shape.length - 1 && !(axis == 2 && shape.length == 4 && shape[3] == 1)) {
            return null; // transpose_b weights: output channels are not the last axis; kept fake-quantized
        }
        return new Weight(shape, t.getTensorContent().toByteArray(), scales);
    }

    // ---------------------------------------------------------------- graph helpers

    private NodeDef node(String name) {
        NodeDef.Builder b = byName.get(name);
        return b == null ? null : b.build();
    }

    /** The only node that reads output 0 of {@code op} (in the original graph), or null. */
    private NodeDef soleConsumer(String op) {
        List<TfGraphDefs.Use> uses = consumers.getOrDefault(TfNames.canonical(op), List.of());
        if (uses.size() != 1 || consumers.containsKey(TfNames.tensor(op, 1))) {
            return null;
        }
        return node(uses.get(0).node().getName());
    }

    private boolean isChannelConst(String tensor, int channels) {
        NodeDef n = node(TfNames.opName(tensor));
        if (n == null || !n.getOp().equals("Const")) {
            return false;
        }
        long[] s = TfTensors.dims(n.getAttrMap().get("value").getTensor().getTensorShape());
        return s != null && s.length == 1 && s[0] == channels;
    }

    private boolean isZeroPad(NodeDef pad) {
        return pad.getInputCount() == 2; // Pad (not PadV2 with a constant value) pads with zeros
    }

    private String add(NodeDef n) {
        String name = TfGraphDefs.uniqueName(n.getName(), used);
        byName.put(name, n.toBuilder().setName(name));
        return name;
    }

    /** Adds a node whose name the caller derived from a unique name (so it is unique too). */
    private void addExact(NodeDef n) {
        used.add(n.getName());
        byName.put(n.getName(), n.toBuilder());
    }

    private void replace(String name, NodeDef n) {
        byName.put(name, n.toBuilder());
    }

    private static float scalar(NodeDef c) {
        float[] f = floats(c);
        return f.length == 0 ? Float.NaN : f[0];
    }

    private static float[] floats(NodeDef c) {
        TensorProto t = c.getAttrMap().get("value").getTensor();
        if (t.getDtype() != DataType.DT_FLOAT) {
            return new float[0];
        }
        if (!t.getTensorContent().isEmpty()) {
            ByteBuffer b = t.getTensorContent().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            float[] out = new float[b.remaining() / 4];
            b.asFloatBuffer().get(out);
            return out;
        }
        float[] out = new float[t.getFloatValCount()];
        for (int i = 0; i < out.length; i++) {
            out[i] = t.getFloatVal(i);
        }
        return out;
    }

    private static long[] ints(NodeDef c) {
        TensorProto t = c.getAttrMap().get("value").getTensor();
        if (t.getDtype() == DataType.DT_INT32) {
            if (!t.getTensorContent().isEmpty()) {
                ByteBuffer b = t.getTensorContent().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
                long[] out = new long[b.remaining() / 4];
                for (int i = 0; i < out.length; i++) {
                    out[i] = b.getInt();
                }
                return out;
            }
            return t.getIntValList().stream().mapToLong(Integer::longValue).toArray();
        }
        if (t.getDtype() == DataType.DT_INT64) {
            if (!t.getTensorContent().isEmpty()) {
                ByteBuffer b = t.getTensorContent().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
                long[] out = new long[b.remaining() / 8];
                for (int i = 0; i < out.length; i++) {
                    out[i] = b.getLong();
                }
                return out;
            }
            return t.getInt64ValList().stream().mapToLong(Long::longValue).toArray();
        }
        return new long[0];
    }

    private static boolean attrBool(NodeDef n, String name) {
        AttrValue v = n.getAttrMap().get(name);
        return v != null && v.getB();
    }

    private static String attrString(NodeDef n, String name, String dflt) {
        AttrValue v = n.getAttrMap().get(name);
        return v == null || v.getS().isEmpty() ? dflt : v.getS().toStringUtf8();
    }
}
