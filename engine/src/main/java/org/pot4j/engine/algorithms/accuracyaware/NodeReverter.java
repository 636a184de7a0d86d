package org.pot4j.engine.algorithms.accuracyaware;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pot4j.api.model.QuantizableNode;
import org.pot4j.api.quant.QuantizationPlan;

/**
 * Reverts one node of a plan to FP32 together with its quantizer group (NNCF): its weight
 * quantizer, its bias shift, and every activation quantizer of its {@code activationInputs} and
 * {@code activationOutputs} that no other still-quantized node lists.
 *
 * <p>The group also holds the weightless producers (residual Add, pooling) whose quantized output
 * only the node still reads: such an output quantizer exists for the producer's own integer kernel,
 * and as long as the producer keeps it the reverted node reads quantized values. On the MNIST
 * ResNet the fc layer's input quantizer is the GlobalAveragePool's output quantizer: reverting fc
 * alone left it in place (NMSE to FP32 0.00218 -> 0.00118), reverting fc with the pool removes it
 * (-> 0.00044). A weighted producer keeps its output quantizer, which its own integer kernel
 * needs, and a quantizer that other quantized consumers still read stays (reverting those nodes
 * with it, as NNCF's closure does, reverted more nodes for the same drop on the CNNs and MiniLM).
 *
 * <p>Bias correction: the reverted nodes' shifts are dropped (their weights are FP32 again); every
 * other node keeps the shift the base algorithm computed for the fully quantized model. Shifts
 * that also absorbed error from an upstream node now in FP32 then slightly over-correct; the full
 * evaluation after each revert measures exactly that plan, and re-running the bias-correction
 * statistics would cost one calibration pass per iteration.
 */
public final class NodeReverter {
    private final List<QuantizableNode> nodes;
    private final Map<String, QuantizableNode> byId = new HashMap<>();
    private final Map<String, Integer> order = new HashMap<>();

    /** A reverter over a model's quantizable nodes (topological order). */
    public NodeReverter(List<QuantizableNode> nodes) {
        this.nodes = List.copyOf(nodes);
        for (int i = 0; i < this.nodes.size(); i++) {
            byId.put(this.nodes.get(i).id(), this.nodes.get(i));
            order.put(this.nodes.get(i).id(), i);
        }
    }

    QuantizableNode node(String id) {
        return byId.get(id);
    }

    /** Topological position of a node (the ranking's last tie-breaker). */
    int position(String id) {
        Integer p = order.get(id);
        return p == null ? Integer.MAX_VALUE : p;
    }

    /** True when the plan quantizes something of the node and has not kept it in FP32. */
    public boolean isQuantized(QuantizationPlan plan, QuantizableNode n) {
        if (plan.fp32Nodes().contains(n.id())) {
            return false;
        }
        if (plan.weights().containsKey(n.id())) {
            return true;
        }
        for (String t : tensors(n)) {
            if (plan.activations().containsKey(t)) {
                return true;
            }
        }
        return false;
    }

    /** The quantized nodes of {@code plan}, in topological order. */
    public List<QuantizableNode> quantized(QuantizationPlan plan) {
        List<QuantizableNode> out = new ArrayList<>();
        for (QuantizableNode n : nodes) {
            if (isQuantized(plan, n)) {
                out.add(n);
            }
        }
        return out;
    }

    /**
     * The quantizer group of {@code id} in {@code plan}, in topological order: {@code id} and every
     * quantized weightless node whose quantized output tensors are inputs of {@code id} that no other
     * quantized node lists (see the class comment). A node that {@code plan} does not quantize is a
     * group of one.
     */
    List<QuantizableNode> group(QuantizationPlan plan, String id) {
        QuantizableNode seed = byId.get(id);
        if (seed == null) {
            throw new IllegalArgumentException("no quantizable node '" + id + "'");
        }
        Set<String> members = new HashSet<>(List.of(id));
        if (isQuantized(plan, seed)) {
            List<QuantizableNode> quantized = quantized(plan);
            for (QuantizableNode producer : quantized) {
                if (producer.hasWeight() || producer.id().equals(id)) {
                    continue;
                }
                List<String> fed = producer.activationOutputs().stream()
                        .filter(t -> plan.activations().containsKey(t) && seed.activationInputs().contains(t)).toList();
                boolean onlyThem = !fed.isEmpty() && quantized.stream()
                        .filter(n -> !n.id().equals(producer.id()) && !n.id().equals(id))
                        .noneMatch(n -> fed.stream().anyMatch(t -> tensors(n).contains(t)));
                if (onlyThem) {
                    members.add(producer.id());
                }
            }
        }
        List<QuantizableNode> out = new ArrayList<>();
        for (QuantizableNode n : nodes) {
            if (members.contains(n.id())) {
                out.add(n);
            }
        }
        return out;
    }

    /** The plan with the quantizer group of {@code id} reverted to FP32 (see the class comment). */
    public QuantizationPlan revert(QuantizationPlan plan, String id) {
        List<QuantizableNode> group = group(plan, id);
        Set<String> members = new HashSet<>();
        group.forEach(n -> members.add(n.id()));
        Set<String> stillNeeded = new HashSet<>();
        for (QuantizableNode other : nodes) {
            if (!members.contains(other.id()) && isQuantized(plan, other)) {
                stillNeeded.addAll(tensors(other));
            }
        }
        QuantizationPlan.Builder b = plan.toBuilder();
        for (QuantizableNode node : group) {
            b.removeWeight(node.id()).removeBiasShift(node.id()).fp32Node(node.id());
            for (String t : tensors(node)) {
                if (!stillNeeded.contains(t)) {
                    b.removeActivation(t);
                }
            }
        }
        return b.build();
    }

    /** True when reverting {@code id} changes what the runtime computes (not only the fp32 list). */
    boolean revertChangesNumerics(QuantizationPlan plan, String id) {
        QuantizationPlan r = revert(plan, id);
        return !r.weights().equals(plan.weights()) || !r.activations().equals(plan.activations())
                || !r.biasShifts().keySet().equals(plan.biasShifts().keySet());
    }

    private static List<String> tensors(QuantizableNode n) {
        List<String> t = new ArrayList<>(n.activationInputs());
        t.addAll(n.activationOutputs());
        return t;
    }
}
