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
 * <p>Bias correction: the reverted node's shift is dropped (its weights are FP32 again); every
 * other node keeps the shift the base algorithm computed for the fully quantized model. Shifts
 * that also absorbed error from an upstream node now in FP32 then slightly over-correct; the full
 * evaluation after each revert measures exactly that plan, and re-running the bias-correction
 * statistics would cost one calibration pass per iteration.
 */
final class NodeReverter {
    private final List<QuantizableNode> nodes;
    private final Map<String, QuantizableNode> byId = new HashMap<>();
    private final Map<String, Integer> order = new HashMap<>();

    NodeReverter(List<QuantizableNode> nodes) {
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
    boolean isQuantized(QuantizationPlan plan, QuantizableNode n) {
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
    List<QuantizableNode> quantized(QuantizationPlan plan) {
        List<QuantizableNode> out = new ArrayList<>();
        for (QuantizableNode n : nodes) {
            if (isQuantized(plan, n)) {
                out.add(n);
            }
        }
        return out;
    }

    /** The plan with {@code id} reverted to FP32 (see the class comment). */
    QuantizationPlan revert(QuantizationPlan plan, String id) {
        QuantizableNode node = byId.get(id);
        if (node == null) {
            throw new IllegalArgumentException("no quantizable node '" + id + "'");
        }
        Set<String> stillNeeded = new HashSet<>();
        for (QuantizableNode other : nodes) {
            if (!other.id().equals(id) && isQuantized(plan, other)) {
                stillNeeded.addAll(tensors(other));
            }
        }
        QuantizationPlan.Builder b = plan.toBuilder().removeWeight(id).removeBiasShift(id).fp32Node(id);
        for (String t : tensors(node)) {
            if (!stillNeeded.contains(t)) {
                b.removeActivation(t);
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
