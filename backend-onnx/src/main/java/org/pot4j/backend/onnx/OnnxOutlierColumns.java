package org.pot4j.backend.onnx;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import org.pot4j.backend.onnx.proto.OnnxProtos.AttributeProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.NodeProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.TensorProto;

/**
 * Outlier channels of an activation function's output that never enter the integer path: when the dynamic
 * MatMul input {@code x} is {@code f(MatMul(y, W1) + b1)} with an element-wise {@code f} (a transformer's
 * GELU, written as ops with scalar constants) and {@code f(0) = 0}, the outlier channels are removed at
 * their source instead of by a mask:
 * <pre>
 * W1[:, c] = 0, b1[c] = 0 in the integer MatMul    so x[.., c] = f(0) = 0: no mask Mul, no Gather
 * x_c = f(MatMul(y, Cast(W1[:, c] as float16)) + b1[c])     [.., k], in float (a copy of f's nodes)
 * y2  = DynamicQuantizeMatMul(x, W2) + MatMul(x_c, Cast(W2[c, :] as float16))
 * </pre>
 * Measured on MiniLM-L6 (tools/minilm/outlier_layouts.py): the same accuracy as the masked split, where the
 * mask {@code Mul} over [tokens, 1536] and the gather cost 20-30% of the INT8 speed.
 */
final class OnnxOutlierColumns {
    /** Element-wise ops an activation function may be written with (other inputs scalar constants). */
    private static final Set<String> ELEMENTWISE = Set.of("Add", "Sub", "Mul", "Div", "Erf", "Tanh", "Sigmoid", "Relu",
            "Gelu", "Pow");

    private OnnxOutlierColumns() {
    }

    /**
     * The activation function between a biased MatMul and {@code x}.
     *
     * @param producer  the MatMul binding whose weight columns and bias make x's channels
     * @param pre       the tensor {@code MatMul(y, W1) + b1} (input of f)
     * @param nodes     f's nodes, in graph order
     */
    record Chain(OnnxNodeBinding producer, String pre, List<Integer> nodes) {
    }

    /**
     * The chain that makes {@code x}, or null when x is not an element-wise function with f(0) = 0 of one
     * biased MatMul whose intermediate tensors nothing else reads.
     *
     * @param byBiasOutput MatMul bindings by the output tensor of their bias Add
     */
    static Chain find(OnnxGraph graph, String x, Map<String, OnnxNodeBinding> byBiasOutput) {
        int last = graph.producer(x);
        if (last < 0 || graph.isGraphOutput(x)) {
            return null;
        }
        Set<Integer> chain = new TreeSet<>();
        Map<String, Double> constants = new HashMap<>();
        String pre = null;
        Deque<Integer> work = new ArrayDeque<>(List.of(last));
        while (!work.isEmpty()) {
            int i = work.pop();
            if (!chain.add(i)) {
                continue;
            }
            NodeProto n = graph.node(i);
            if (!ELEMENTWISE.contains(n.getOpType()) || !OnnxGraph.isStandard(n) || n.getOutputCount() != 1) {
                return null;
            }
            for (String t : n.getInputList()) {
                if (t.isEmpty() || constants.containsKey(t) || t.equals(pre)) {
                    continue;
                }
                Double scalar = scalar(graph, t);
                if (scalar != null) {
                    constants.put(t, scalar);
                } else if (byBiasOutput.containsKey(t)) {
                    if (pre != null) {
                        return null;
                    }
                    pre = t;
                } else if (graph.producer(t) >= 0) {
                    work.push(graph.producer(t));
                } else {
                    return null;
                }
            }
        }
        if (pre == null || !readOnlyBy(graph, pre, chain)) {
            return null;
        }
        for (int i : chain) {
            String out = graph.node(i).getOutput(0);
            if (i != last && (graph.isGraphOutput(out) || !readOnlyBy(graph, out, chain))) {
                return null;
            }
        }
        OnnxNodeBinding producer = byBiasOutput.get(pre);
        String matMulOut = graph.node(producer.nodeIndex()).getOutput(0);
        if (graph.consumers(matMulOut).size() != 1 || graph.isGraphOutput(matMulOut)) {
            return null;
        }
        List<Integer> nodes = new ArrayList<>(chain);
        Double atZero = evaluate(graph, nodes, pre, constants);
        if (atZero == null || Math.abs(atZero) > 1e-7) {
            return null;
        }
        return new Chain(producer, pre, nodes);
    }

    private static boolean readOnlyBy(OnnxGraph graph, String t, Set<Integer> nodes) {
        List<Integer> readers = graph.consumers(t);
        return !readers.isEmpty() && nodes.containsAll(readers);
    }

    /** The value of a one-element float initializer or Constant, else null. */
    private static Double scalar(OnnxGraph graph, String t) {
        TensorProto value = null;
        if (graph.isInitializer(t)) {
            value = graph.initializer(t);
        } else if (graph.producer(t) >= 0 && graph.node(graph.producer(t)).getOpType().equals("Constant")) {
            for (AttributeProto a : graph.node(graph.producer(t)).getAttributeList()) {
                if (a.getName().equals("value") && a.hasT()) {
                    value = a.getT();
                }
            }
        }
        if (value == null || OnnxTensorProtos.elementCount(value) != 1) {
            return null;
        }
        try {
            return (double) OnnxTensorProtos.floats(value)[0];
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** f(0): the chain evaluated on a scalar zero input, null when an op cannot be evaluated. */
    private static Double evaluate(OnnxGraph graph, List<Integer> nodes, String pre, Map<String, Double> constants) {
        Map<String, Double> v = new HashMap<>(constants);
        v.put(pre, 0.0);
        Double result = null;
        for (int i : nodes) {
            NodeProto n = graph.node(i);
            double[] in = new double[n.getInputCount()];
            for (int k = 0; k < in.length; k++) {
                Double d = v.get(n.getInput(k));
                if (d == null) {
                    return null;
                }
                in[k] = d;
            }
            double a = in[0];
            double out = switch (n.getOpType()) {
                case "Add" -> a + in[1];
                case "Sub" -> a - in[1];
                case "Mul" -> a * in[1];
                case "Div" -> a / in[1];
                case "Pow" -> Math.pow(a, in[1]);
                case "Erf" -> erf(a);
                case "Tanh" -> Math.tanh(a);
                case "Sigmoid" -> 1 / (1 + Math.exp(-a));
                case "Relu" -> Math.max(0, a);
                case "Gelu" -> 0.5 * a * (1 + erf(a / Math.sqrt(2)));
                default -> Double.NaN;
            };
            v.put(n.getOutput(0), out);
            result = out;
        }
        return result == null || result.isNaN() ? null : result;
    }

    /** erf, Abramowitz-Stegun 7.1.26 (|error| < 1.5e-7): enough to check f(0) = 0. */
    private static double erf(double x) {
        double t = 1 / (1 + 0.3275911 * Math.abs(x));
        double y = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t
                * Math.exp(-x * x);
        return x >= 0 ? y : -y;
    }

    /** The float side that makes x's outlier channels: its nodes, initializers and output [.., k]. */
    record Side(String outliers, List<NodeProto> nodes, List<TensorProto> initializers) {
    }

    /**
     * The float nodes computing {@code x[.., channels]} from the producer's input.
     *
     * @param weight the producer's float weight [K, N]
     * @param bias   the producer's bias [N] as the integer path would add it (with any bias shift)
     */
    static Side side(OnnxGraph graph, Chain chain, String x, int[] channels, TensorProto weight, float[] bias,
                     UnaryOperator<String> names) {
        long[] shape = OnnxTensorProtos.shape(weight);
        OnnxTensorProtos.FloatView w = OnnxTensorProtos.view(weight);
        int rows = (int) shape[0];
        int cols = (int) shape[1];
        int k = channels.length;
        byte[] half = new byte[rows * k * 2];
        float[] b = new float[k];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < k; j++) {
                short h = OnnxHalfFloats.fromFiniteFloat(w.get(r * cols + channels[j]));
                int at = 2 * (r * k + j);
                half[at] = (byte) h;
                half[at + 1] = (byte) (h >> 8);
            }
        }
        for (int j = 0; j < k; j++) {
            b[j] = bias[channels[j]];
        }
        String y = graph.node(chain.producer().nodeIndex()).getInput(0);
        String cols16 = names.apply(weight.getName() + "_outlier_columns");
        String colsF = names.apply(weight.getName() + "_outlier_columns_float");
        String biasName = names.apply(chain.pre() + "_outlier_bias");
        String product = names.apply(chain.pre() + "_outlier_product");
        String pre = names.apply(chain.pre() + "_outliers");
        List<NodeProto> nodes = new ArrayList<>();
        nodes.add(NodeProto.newBuilder().setOpType("Cast").addInput(cols16).addOutput(colsF)
                .addAttribute(AttributeProto.newBuilder().setName("to").setType(AttributeProto.AttributeType.INT)
                        .setI(OnnxTensorProtos.FLOAT)).build());
        nodes.add(NodeProto.newBuilder().setOpType("MatMul").addInput(y).addInput(colsF).addOutput(product).build());
        nodes.add(NodeProto.newBuilder().setOpType("Add").addInput(product).addInput(biasName).addOutput(pre).build());
        Map<String, String> renamed = new HashMap<>();
        renamed.put(chain.pre(), pre);
        Set<String> inside = new HashSet<>();
        for (int i : chain.nodes()) {
            inside.add(graph.node(i).getOutput(0));
        }
        for (int i : chain.nodes()) {
            NodeProto n = graph.node(i);
            NodeProto.Builder nb = n.toBuilder().clearName();
            for (int s = 0; s < nb.getInputCount(); s++) {
                String t = nb.getInput(s);
                if (renamed.containsKey(t)) {
                    nb.setInput(s, renamed.get(t));
                } else if (inside.contains(t)) {
                    throw new IllegalStateException("activation chain of '" + x + "' is not in graph order");
                }
            }
            String out = names.apply(n.getOutput(0) + "_outliers");
            renamed.put(n.getOutput(0), out);
            nodes.add(nb.setOutput(0, out).build());
        }
        List<TensorProto> inits = List.of(
                OnnxTensorProtos.ofBytes(cols16, TensorProto.DataType.FLOAT16_VALUE, new long[] {rows, k}, half),
                OnnxTensorProtos.ofFloats(biasName, new long[] {k}, b));
        return new Side(renamed.get(x), nodes, inits);
    }
}
