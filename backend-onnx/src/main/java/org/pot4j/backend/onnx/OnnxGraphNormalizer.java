package org.pot4j.backend.onnx;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pot4j.backend.onnx.proto.OnnxProtos.AttributeProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.GraphProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.ModelProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.NodeProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.TensorProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.ValueInfoProto;

/**
 * Rewrites a loaded graph into the shape the QDQ writer needs, without changing what it computes:
 * {@code Constant} nodes become initializers, {@code Identity} nodes between an initializer and its
 * consumers are folded away (torch's exporter puts them in front of shared weights; ORT only fuses a
 * Conv into QLinearConv when its weight reaches the DequantizeLinear straight from an initializer),
 * and every node gets a unique name, which becomes its stable id in plans and reports.
 */
final class OnnxGraphNormalizer {
    private OnnxGraphNormalizer() {
    }

    static ModelProto normalize(ModelProto model) {
        GraphProto g = model.getGraph();
        Set<String> graphOutputs = new HashSet<>();
        for (ValueInfoProto o : g.getOutputList()) {
            graphOutputs.add(o.getName());
        }
        Map<String, TensorProto> initializers = new HashMap<>();
        for (TensorProto t : g.getInitializerList()) {
            initializers.put(t.getName(), t);
        }
        // names that subgraphs (If/Loop bodies) read from this scope must keep existing
        Set<String> subgraphReads = new HashSet<>();
        for (NodeProto n : g.getNodeList()) {
            collectSubgraphReads(n, subgraphReads);
        }
        List<TensorProto> newInitializers = new ArrayList<>();
        Map<String, String> rename = new HashMap<>();
        List<NodeProto> kept = new ArrayList<>();
        for (NodeProto n : g.getNodeList()) {
            if (n.getOpType().equals("Constant") && n.getDomain().isEmpty() && n.getOutputCount() == 1
                    && !graphOutputs.contains(n.getOutput(0))) {
                TensorProto value = constantValue(n);
                if (value != null) {
                    TensorProto t = value.toBuilder().setName(n.getOutput(0)).build();
                    newInitializers.add(t);
                    initializers.put(t.getName(), t);
                    continue;
                }
            }
            if (n.getOpType().equals("Identity") && n.getDomain().isEmpty() && n.getInputCount() == 1
                    && n.getOutputCount() == 1 && !graphOutputs.contains(n.getOutput(0))
                    && !subgraphReads.contains(n.getOutput(0))) {
                String src = rename.getOrDefault(n.getInput(0), n.getInput(0));
                if (initializers.containsKey(src)) {
                    rename.put(n.getOutput(0), src);
                    continue;
                }
            }
            kept.add(n);
        }
        GraphProto.Builder gb = g.toBuilder().clearNode().addAllInitializer(newInitializers);
        Set<String> usedNames = new HashSet<>();
        for (NodeProto n : kept) {
            if (!n.getName().isEmpty()) {
                usedNames.add(n.getName());
            }
        }
        Set<String> assigned = new HashSet<>();
        int index = 0;
        for (NodeProto n : kept) {
            NodeProto.Builder nb = n.toBuilder();
            for (int i = 0; i < nb.getInputCount(); i++) {
                String r = rename.get(nb.getInput(i));
                if (r != null) {
                    nb.setInput(i, r);
                }
            }
            String name = n.getName();
            if (name.isEmpty() || assigned.contains(name)) {
                String base = n.getOpType() + "_" + index;
                name = base;
                for (int k = 1; usedNames.contains(name) || assigned.contains(name); k++) {
                    name = base + "_" + k;
                }
                nb.setName(name);
            }
            assigned.add(name);
            gb.addNode(nb);
            index++;
        }
        return model.toBuilder().setGraph(gb).build();
    }

    private static void collectSubgraphReads(NodeProto n, Set<String> out) {
        for (AttributeProto a : n.getAttributeList()) {
            List<GraphProto> graphs = new ArrayList<>(a.getGraphsList());
            if (a.hasG()) {
                graphs.add(a.getG());
            }
            for (GraphProto sub : graphs) {
                for (NodeProto sn : sub.getNodeList()) {
                    out.addAll(sn.getInputList());
                    collectSubgraphReads(sn, out);
                }
            }
        }
    }

    private static TensorProto constantValue(NodeProto n) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals("value") && a.hasT()) {
                return a.getT();
            }
        }
        return null;
    }
}
