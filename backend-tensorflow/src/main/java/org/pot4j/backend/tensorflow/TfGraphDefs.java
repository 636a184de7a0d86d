package org.pot4j.backend.tensorflow;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.FunctionDefLibrary;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NameAttrList;
import org.tensorflow.proto.NodeDef;

/** Graph-level operations on GraphDef protos: indexing, pruning, ordering, consumers. */
final class TfGraphDefs {
    private TfGraphDefs() {
    }

    /** A consumer of a tensor: node {@code node} reads it as its data input {@code inputIndex}. */
    record Use(NodeDef node, int inputIndex) {
    }

    /** Nodes by name, in GraphDef order. */
    static Map<String, NodeDef> index(GraphDef graph) {
        Map<String, NodeDef> out = new LinkedHashMap<>();
        for (NodeDef n : graph.getNodeList()) {
            out.put(n.getName(), n);
        }
        return out;
    }

    /** Data consumers of every tensor, keyed by canonical tensor name. */
    static Map<String, List<Use>> consumers(GraphDef graph) {
        Map<String, List<Use>> out = new HashMap<>();
        for (NodeDef n : graph.getNodeList()) {
            for (int i = 0; i < n.getInputCount(); i++) {
                String in = n.getInput(i);
                if (!TfNames.isControl(in)) {
                    out.computeIfAbsent(TfNames.canonical(in), k -> new ArrayList<>()).add(new Use(n, i));
                }
            }
        }
        return out;
    }

    /**
     * The graph reduced to the nodes that {@code roots} (op or tensor names) need, through data and
     * control inputs, and to the functions those nodes still call.
     */
    static GraphDef prune(GraphDef graph, Collection<String> roots) {
        Map<String, NodeDef> nodes = index(graph);
        Set<String> keep = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>();
        for (String r : roots) {
            todo.push(TfNames.opName(r));
        }
        while (!todo.isEmpty()) {
            String name = todo.pop();
            NodeDef n = nodes.get(name);
            if (n == null || !keep.add(name)) {
                continue;
            }
            for (String in : n.getInputList()) {
                todo.push(TfNames.opName(in));
            }
        }
        GraphDef.Builder b = graph.toBuilder().clearNode();
        for (NodeDef n : graph.getNodeList()) {
            if (keep.contains(n.getName())) {
                b.addNode(n);
            }
        }
        b.setLibrary(usedLibrary(b.getNodeList(), graph.getLibrary()));
        return b.build();
    }

    /** The functions of {@code library} that {@code nodes} call, directly or through other functions. */
    static FunctionDefLibrary usedLibrary(List<NodeDef> nodes, FunctionDefLibrary library) {
        Map<String, FunctionDef> byName = new HashMap<>();
        for (FunctionDef f : library.getFunctionList()) {
            byName.put(f.getSignature().getName(), f);
        }
        Set<String> used = new HashSet<>();
        Deque<NodeDef> todo = new ArrayDeque<>(nodes);
        while (!todo.isEmpty()) {
            NodeDef n = todo.pop();
            List<String> called = new ArrayList<>();
            if (byName.containsKey(n.getOp())) {
                called.add(n.getOp());
            }
            for (AttrValue v : n.getAttrMap().values()) {
                collectFunctions(v, called);
            }
            for (String f : called) {
                if (byName.containsKey(f) && used.add(f)) {
                    todo.addAll(byName.get(f).getNodeDefList());
                }
            }
        }
        FunctionDefLibrary.Builder b = FunctionDefLibrary.newBuilder();
        for (FunctionDef f : library.getFunctionList()) {
            if (used.contains(f.getSignature().getName())) {
                b.addFunction(f);
            }
        }
        return b.build();
    }

    /** Names of functions an attribute value refers to. */
    static void collectFunctions(AttrValue v, List<String> out) {
        if (v.hasFunc()) {
            out.add(v.getFunc().getName());
        }
        if (v.hasList()) {
            for (NameAttrList f : v.getList().getFuncList()) {
                out.add(f.getName());
            }
        }
    }

    /** Nodes in an order where every node comes after its inputs (loop cycles, if any, go last). */
    static List<NodeDef> topologicalOrder(GraphDef graph) {
        Map<String, NodeDef> nodes = index(graph);
        Map<String, Integer> pending = new HashMap<>();
        Map<String, List<String>> dependents = new HashMap<>();
        for (NodeDef n : graph.getNodeList()) {
            int count = 0;
            for (String in : n.getInputList()) {
                String src = TfNames.opName(in);
                if (nodes.containsKey(src)) {
                    count++;
                    dependents.computeIfAbsent(src, k -> new ArrayList<>()).add(n.getName());
                }
            }
            pending.put(n.getName(), count);
        }
        List<NodeDef> order = new ArrayList<>(nodes.size());
        Deque<String> ready = new ArrayDeque<>();
        for (NodeDef n : graph.getNodeList()) {
            if (pending.get(n.getName()) == 0) {
                ready.add(n.getName());
            }
        }
        while (!ready.isEmpty()) {
            String name = ready.poll();
            order.add(nodes.get(name));
            for (String d : dependents.getOrDefault(name, List.of())) {
                if (pending.merge(d, -1, Integer::sum) == 0) {
                    ready.add(d);
                }
            }
        }
        if (order.size() != nodes.size()) {
            // TF1 while loops (NextIteration) form cycles; their nodes keep GraphDef order at the end
            Set<String> placed = new HashSet<>();
            order.forEach(n -> placed.add(n.getName()));
            for (NodeDef n : graph.getNodeList()) {
                if (!placed.contains(n.getName())) {
                    order.add(n);
                }
            }
        }
        return order;
    }

    /**
     * The graph without colocation constraints ({@code _class: loc:@node}) and device pins: after
     * inlining and pruning they can name nodes that are gone, which TensorFlow rejects, and a CPU
     * inference graph needs neither.
     */
    static GraphDef withoutPlacement(GraphDef graph) {
        GraphDef.Builder b = graph.toBuilder();
        for (NodeDef.Builder n : b.getNodeBuilderList()) {
            n.removeAttr("_class");
            n.setDevice("");
        }
        return b.build();
    }

    /** A name not yet in {@code used} built from {@code base}, and records it as used. */
    static String uniqueName(String base, Set<String> used) {
        String name = base;
        for (int i = 1; !used.add(name); i++) {
            name = base + "_" + i;
        }
        return name;
    }
}
