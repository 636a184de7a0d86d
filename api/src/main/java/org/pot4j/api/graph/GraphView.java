package org.pot4j.api.graph;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A model's graph as the engine sees it: nodes in topological order with neutral kinds, and the few
 * tensor facts placement needs. Built by the backend from its own graph ({@code Model#graph()}).
 */
public final class GraphView {
    private final List<GraphNode> nodes;
    private final Set<String> floatActivations;
    private final Set<String> externalReads;
    private final Map<String, Integer> ranks;
    private final Map<String, Integer> producers = new HashMap<>();
    private final Map<String, List<Read>> reads = new HashMap<>();

    /** One read of a tensor: the reading node's position in {@link #nodes()} and the input slot. */
    public record Read(int node, int slot) {
    }

    /**
     * @param nodes            every node, in topological order
     * @param floatActivations tensors computed from the model inputs with a floating-point type
     *                         (weights, constants and integer tensors are not)
     * @param externalReads    tensors read by something the nodes do not show: the model outputs,
     *                         and reads the backend could not express as a node input
     * @param ranks            tensor ranks where known
     */
    public GraphView(List<GraphNode> nodes, Set<String> floatActivations, Set<String> externalReads,
                     Map<String, Integer> ranks) {
        this.nodes = List.copyOf(nodes);
        this.floatActivations = Set.copyOf(floatActivations);
        this.externalReads = Set.copyOf(externalReads);
        this.ranks = Map.copyOf(ranks);
        for (int i = 0; i < this.nodes.size(); i++) {
            GraphNode n = this.nodes.get(i);
            for (String o : n.outputs()) {
                if (!o.isEmpty()) {
                    producers.put(o, i);
                }
            }
            for (int s = 0; s < n.inputs().size(); s++) {
                String in = n.inputs().get(s);
                if (!in.isEmpty()) {
                    reads.computeIfAbsent(in, k -> new ArrayList<>()).add(new Read(i, s));
                }
            }
        }
    }

    /** Every node, in topological order. */
    public List<GraphNode> nodes() {
        return nodes;
    }

    /** The node at {@code position}. */
    public GraphNode node(int position) {
        return nodes.get(position);
    }

    /** Float tensors computed from the model inputs. */
    public Set<String> floatActivations() {
        return floatActivations;
    }

    /** Tensors read outside the nodes (model outputs, reads the backend could not show). */
    public Set<String> externalReads() {
        return externalReads;
    }

    /** Tensor ranks where known. */
    public Map<String, Integer> ranks() {
        return ranks;
    }

    /** Position of the node producing {@code tensor}, or -1 (model input, weight, unknown). */
    public int producer(String tensor) {
        return producers.getOrDefault(tensor, -1);
    }

    /** Every read of {@code tensor} by a node, in node order. */
    public List<Read> reads(String tensor) {
        return reads.getOrDefault(tensor, List.of());
    }

    /** True for a float tensor computed from the model inputs. */
    public boolean isFloatActivation(String tensor) {
        return tensor != null && floatActivations.contains(tensor);
    }

    /** The rank of {@code tensor}, or -1 when unknown. */
    public int rank(String tensor) {
        return ranks.getOrDefault(tensor, -1);
    }
}
