package org.pot4j.engine.algorithms.minmax;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pot4j.api.graph.NodeKind;
import org.pot4j.api.model.QuantizableNode;

/**
 * Which activation tensors a plan quantizes at run time under {@code activations: {mode: dynamic}}:
 * the inputs of linear layers, that is tensors read only by quantized {@code MatMul} nodes with a 2-D
 * weight, as their first (activation) input. Every other tensor (attention-score MatMuls of two
 * activations, Conv inputs, residual Adds) keeps a static quantizer from calibration, so one plan mixes
 * static and dynamic nodes and AccuracyAware reverts either kind node by node.
 */
final class DynamicActivations {
    private DynamicActivations() {
    }

    /** The tensors of {@code selection} that get a dynamic quantizer. */
    static Set<String> tensors(NodeSelection selection) {
        Map<String, Boolean> eligible = new HashMap<>();
        for (QuantizableNode n : selection.quantized()) {
            List<String> ins = n.activationInputs();
            for (int i = 0; i < ins.size(); i++) {
                boolean ok = i == 0 && isLinear(n);
                eligible.merge(ins.get(i), ok, Boolean::logicalAnd);
            }
            for (String t : n.activationOutputs()) {
                eligible.put(t, false);
            }
        }
        Set<String> out = new LinkedHashSet<>();
        for (String t : selection.activationTensors()) {
            if (eligible.getOrDefault(t, false)) {
                out.add(t);
            }
        }
        return out;
    }

    private static boolean isLinear(QuantizableNode n) {
        return n.hasWeight() && n.weightShape().length == 2 && n.kind() == NodeKind.MATMUL;
    }
}
