package org.pot4j.engine.algorithms.minmax;

import java.util.Locale;
import java.util.Set;

/**
 * Weightless op types that {@code model_type: transformer} keeps in FP32, as NNCF's transformer
 * mode does: quantizing the inputs of residual adds, softmax, normalizations and the elementwise
 * math around them costs transformers accuracy and buys little speed, while the weighted
 * MatMul/Gemm layers (and activation-by-activation MatMuls) stay quantized. Op types are compared
 * case-insensitively without namespaces or separators, so ONNX ({@code LayerNormalization}),
 * TensorFlow ({@code AddV2}) and TorchScript ({@code aten::layer_norm}) spellings all match.
 */
final class TransformerOps {
    private static final Set<String> KEPT_IN_FP32 = Set.of(
            "add", "addv2", "sub", "mul", "div", "realdiv", "pow", "sqrt", "rsqrt", "squareddifference", "biasadd",
            "softmax", "logsoftmax", "layernormalization", "layernorm", "simplifiedlayernormalization",
            "skiplayernormalization", "skipsimplifiedlayernormalization", "groupnormalization", "groupnorm",
            "instancenormalization", "reducemean", "mean", "erf", "gelu", "fastgelu", "biasgelu", "tanh", "sigmoid",
            "hardsigmoid", "hardswish", "silu", "swish", "embedlayernormalization");

    private TransformerOps() {
    }

    /** True when a weightless node of this type stays FP32 in transformer mode. */
    static boolean keptInFp32(String opType) {
        return KEPT_IN_FP32.contains(normalize(opType));
    }

    static String normalize(String opType) {
        String t = opType;
        int ns = t.lastIndexOf("::");
        if (ns >= 0) {
            t = t.substring(ns + 2);
        }
        int dot = t.lastIndexOf('.');
        if (dot >= 0) {
            t = t.substring(dot + 1);
        }
        return t.replace("_", "").toLowerCase(Locale.ROOT);
    }
}
