package org.pot4j.backend.tensorflow;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;

/**
 * FP16 weights in a TensorFlow model (NNCF's caveat: quantize from FP32, not from FP16-compressed
 * weights). After loading, variables are frozen into {@code Const} nodes; half-precision ones (a
 * model saved with float16 variables, or weights cast to half to shrink the file) would give
 * quantizers computed from FP16-rounded values, or weights pot4j cannot see at all behind a Cast.
 * The load stops with {@code MODEL_UNSUPPORTED} naming the tensors; re-exporting in float32 is the
 * fix. (The ONNX backend, where the FP16-behind-Cast layout is standard, upcasts instead.)
 */
final class TfFp16Weights {
    private static final Set<String> WEIGHT_OPS = Set.of("Const", "VarHandleOp", "VariableV2", "Variable");

    private TfFp16Weights() {
    }

    /** @throws Pot4jException {@code MODEL_UNSUPPORTED} naming up to five half-precision weights of {@code graph} */
    static void check(GraphDef graph, Path file) {
        List<String> half = new ArrayList<>();
        for (NodeDef n : graph.getNodeList()) {
            if (!WEIGHT_OPS.contains(n.getOp())) {
                continue;
            }
            AttrValue dtype = n.getAttrOrDefault("dtype", null);
            if (dtype != null && (dtype.getType() == DataType.DT_HALF || dtype.getType() == DataType.DT_BFLOAT16)) {
                half.add(n.getName());
            }
        }
        if (!half.isEmpty()) {
            String names = half.size() <= 5 ? half.toString() : half.subList(0, 5) + " and " + (half.size() - 5) + " more";
            throw new Pot4jException(ErrorCode.MODEL_UNSUPPORTED, file + " has FP16 (half-precision) weights " + names
                    + "; pot4j quantizes from FP32 weights: re-export the model with float32 variables (no float16 dtype or "
                    + "cast of the weights to half)");
        }
    }
}
