package org.pot4j.backend.onnx;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.pot4j.api.model.InputLimit;
import org.pot4j.backend.onnx.proto.OnnxProtos.NodeProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.TensorProto;

/**
 * The input limits an encoder's embedding tables set: a {@code Gather} over a rank-2 initializer
 * ({@code [rows, hidden]}) whose indices are a graph input (through Cast/Unsqueeze/Reshape-like ops)
 * bounds that input's values to {@code [0, rows)} (token ids, token types); one whose indices are computed
 * from the {@code Shape} of a graph input (BERT's {@code position_ids[:, :seq]} slice, or a {@code Range})
 * bounds that input's sequence length to {@code rows} (the position table). Outside them ONNX Runtime
 * fails mid-pass (an index error, or a shape mismatch when the slice is clipped).
 */
final class OnnxInputLimits {
    /** Ops that pass index values through unchanged (only their layout or type changes). */
    private static final Set<String> VALUE_PRESERVING = Set.of("Cast", "Unsqueeze", "Squeeze", "Reshape", "Flatten",
            "Identity", "Expand");

    private OnnxInputLimits() {
    }

    static List<InputLimit> of(OnnxGraph graph) {
        Set<String> inputs = new HashSet<>(graph.inputs());
        List<InputLimit> out = new ArrayList<>();
        for (NodeProto n : graph.nodes()) {
            if (!n.getOpType().equals("Gather") || n.getInputCount() != 2 || OnnxGraph.intAttribute(n, "axis", 0) != 0) {
                continue;
            }
            TensorProto table = table(graph, n.getInput(0));
            if (table == null || table.getDimsCount() != 2 || graph.isInitializer(n.getInput(1))) {
                continue;
            }
            long rows = table.getDims(0);
            String culprit = "embedding table '" + table.getName() + "' [" + rows + " x " + table.getDims(1) + "]";
            String direct = directInput(graph, n.getInput(1), inputs);
            if (direct != null) {
                out.add(InputLimit.values(direct, rows, culprit));
                continue;
            }
            for (String shaped : shapedInputs(graph, n.getInput(1), inputs)) {
                out.add(InputLimit.length(shaped, rows, "position " + culprit));
            }
        }
        return List.copyOf(out);
    }

    /** The float table behind a Gather's data input: an initializer, or one behind a Cast (float16 weights). */
    private static TensorProto table(OnnxGraph graph, String tensor) {
        TensorProto t = graph.initializer(tensor);
        if (t != null) {
            return t;
        }
        int p = graph.producer(tensor);
        if (p >= 0) {
            NodeProto n = graph.node(p);
            if (n.getOpType().equals("Cast") && n.getInputCount() == 1) {
                return graph.initializer(n.getInput(0));
            }
        }
        return null;
    }

    /** The graph input the indices are, through value-preserving ops only; else null. */
    private static String directInput(OnnxGraph graph, String tensor, Set<String> inputs) {
        String t = tensor;
        for (int hops = 0; hops < 16; hops++) {
            if (inputs.contains(t)) {
                return t;
            }
            int p = graph.producer(t);
            if (p < 0) {
                return null;
            }
            NodeProto n = graph.node(p);
            if (!VALUE_PRESERVING.contains(n.getOpType()) || n.getInputCount() == 0) {
                return null;
            }
            t = n.getInput(0);
        }
        return null;
    }

    /** Graph inputs whose {@code Shape} the indices are computed from (positions derived from the sequence length). */
    private static Set<String> shapedInputs(OnnxGraph graph, String tensor, Set<String> inputs) {
        Set<String> found = new LinkedHashSet<>();
        Set<String> seen = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(tensor));
        while (!todo.isEmpty() && seen.size() < 256) {
            String t = todo.pop();
            if (!seen.add(t)) {
                continue;
            }
            int p = graph.producer(t);
            if (p < 0) {
                continue;
            }
            NodeProto n = graph.node(p);
            if (n.getOpType().equals("Shape")) {
                String src = directInput(graph, n.getInput(0), inputs);
                if (src != null) {
                    found.add(src);
                }
                continue;
            }
            for (String in : n.getInputList()) {
                if (!in.isEmpty() && !inputs.contains(in)) {
                    todo.push(in);
                }
            }
        }
        return found;
    }
}
