package org.pot4j.backend.tensorflow;

import java.util.HashSet;
import java.util.Set;
import org.tensorflow.TensorFlow;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;

/**
 * Which nodes of a frozen graph compute constants: {@code Const}, and stateless ops whose data
 * inputs are all constants (e.g. the {@code Identity}/{@code Reshape} chains exporters put between
 * a weight and the op using it). Placeholders and variables are never constant.
 */
final class TfConstants {
    private static final Set<String> NEVER_CONSTANT = Set.of("Placeholder", "PlaceholderWithDefault", "VarHandleOp",
            "VariableV2", "Variable", "ReadVariableOp");

    private TfConstants() {
    }

    /** Names of the nodes of {@code graph} whose outputs are constants. */
    static Set<String> of(GraphDef graph) {
        Set<String> constants = new HashSet<>();
        for (NodeDef n : TfGraphDefs.topologicalOrder(graph)) {
            if (isConstant(n, constants)) {
                constants.add(n.getName());
            }
        }
        return constants;
    }

    private static boolean isConstant(NodeDef n, Set<String> constants) {
        if (n.getOp().equals("Const")) {
            return true;
        }
        if (NEVER_CONSTANT.contains(n.getOp()) || TensorFlow.isOpStateful(n.getOp())) {
            return false;
        }
        boolean anyData = false;
        for (String in : n.getInputList()) {
            if (TfNames.isControl(in)) {
                continue;
            }
            anyData = true;
            if (!constants.contains(TfNames.opName(in))) {
                return false;
            }
        }
        return anyData;
    }
}
