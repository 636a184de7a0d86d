package org.pot4j.engine.algorithms.minmax;

import java.util.EnumSet;
import java.util.Set;
import org.pot4j.api.graph.NodeKind;

/**
 * Weightless node kinds that {@code model_type: transformer} keeps in FP32, as NNCF's transformer
 * mode does: quantizing the inputs of residual adds, softmax, normalizations and the elementwise
 * math around them costs transformers accuracy and buys little speed, while the weighted
 * MatMul/Gemm layers (and activation-by-activation MatMuls) stay quantized. Kinds are neutral, so
 * ONNX {@code Add}, TensorFlow {@code AddV2} and TorchScript {@code torch.add} all match.
 */
final class TransformerOps {
    private static final Set<NodeKind> KEPT_IN_FP32 = EnumSet.of(NodeKind.ADD, NodeKind.BIAS_ADD, NodeKind.SUB,
            NodeKind.MUL, NodeKind.DIV, NodeKind.MATH, NodeKind.SOFTMAX, NodeKind.NORMALIZATION, NodeKind.REDUCE_MEAN,
            NodeKind.GELU, NodeKind.TANH, NodeKind.SIGMOID, NodeKind.HARD_SIGMOID, NodeKind.HARD_SWISH, NodeKind.SILU);

    private TransformerOps() {
    }

    /** True when a weightless node of this kind stays FP32 in transformer mode. */
    static boolean keptInFp32(NodeKind kind) {
        return KEPT_IN_FP32.contains(kind);
    }
}
