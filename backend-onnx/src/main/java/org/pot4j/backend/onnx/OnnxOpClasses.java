package org.pot4j.backend.onnx;

import java.util.Collection;
import java.util.Map;
import java.util.Set;
import org.pot4j.backend.onnx.proto.OnnxProtos.NodeProto;

/**
 * The one table of how ONNX Runtime's CPU provider treats each op type between
 * {@code DequantizeLinear} and {@code QuantizeLinear}; the analyzer and the writer read placement
 * rules only from here (kept as plain op-kind classes so the engine's neutral kinds, issue 13, can
 * lift them). Taken from ORT's QDQ selector/action registry and checked against the graph ORT 1.29
 * writes with {@code optimized_model_path} ({@code OnnxOperatorCoverageTest}):
 * <ul>
 * <li>{@link OpClass#WEIGHTED}: Conv, Gemm, MatMul become QLinearConv / QGemm / QLinearMatMul
 * (handled by the analyzer's weighted rules);</li>
 * <li>{@link OpClass#INTEGER_KERNEL}: {@code DQ(x...) -> op -> Q} becomes a {@code com.microsoft}
 * QLinear op; every float input and the output need their own quantizer, scales may differ (the
 * kernel rescales), but the element types of all inputs and the output must be the same;</li>
 * <li>{@link OpClass#SHARED_SCALE}: ORT drops {@code DQ -> op -> Q} and runs the op on the 8-bit
 * tensor only when the Q has the same scale and zero point as the DQ, so the writer repeats the
 * input's quantizer after the op (one pair with a shared scale, never a requantize chain);</li>
 * <li>{@link OpClass#REMOVABLE_ACTIVATION}: Relu and Clip vanish into the following Q when its range
 * lies inside theirs;</li>
 * <li>everything else ({@link OpClass#FLOAT_ONLY}: HardSigmoid, HardSwish, Pad, ConvTranspose's
 * output, Div, Sub, ...) has no integer form in ORT's CPU provider: a quantized neighbour still gets
 * its Q/DQ, and the op stays a float island that the model's metadata lists with this reason.</li>
 * </ul>
 */
final class OnnxOpClasses {
    /** Placement class of an op type. */
    enum OpClass {
        /** Has a weight; the analyzer's Conv/Gemm/MatMul rules apply. */
        WEIGHTED,
        /** ORT replaces DQ -> op -> Q with a QLinear kernel; inputs and output quantized separately. */
        INTEGER_KERNEL,
        /** ORT runs the op on int8 data when input and output share scale and zero point. */
        SHARED_SCALE,
        /** Folded into the following Q when the Q's range lies inside the activation's. */
        REMOVABLE_ACTIVATION,
        /** Reads only the shape of its input. */
        SHAPE_READER,
        /** No integer form in ORT's CPU provider: stays float between a DQ and a Q. */
        FLOAT_ONLY
    }

    /** Unary, binary and variadic QLinear rewrites of ORT's QDQ transformer (CPU provider). */
    static final Set<String> INTEGER_KERNEL = Set.of(
            "Sigmoid", "LeakyRelu", "AveragePool", "GlobalAveragePool", "Softmax", "Add", "Mul", "Concat");

    /**
     * Ops ORT runs directly on 8-bit data ("drop QDQ" rules, and Split's own rule). MaxPool also needs
     * a positive scale, which every quantizer has.
     */
    static final Set<String> SHARED_SCALE = Set.of(
            "MaxPool", "Resize", "Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze", "Slice", "Split",
            "Gather", "GatherElements", "Expand", "Tile");

    /**
     * The shared-scale ops the backend followed through on every model before op classes existed.
     * Only these are followed outside a convolutional region, so transformer graphs (which use
     * Gather, Slice and Expand on activations) place their quantizers exactly as before.
     */
    static final Set<String> SHARED_SCALE_ANYWHERE = Set.of(
            "MaxPool", "Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze");

    static final Set<String> REMOVABLE_ACTIVATION = Set.of("Relu", "Clip");

    static final Set<String> SHAPE_READER = Set.of("Shape", "Size");

    static final Set<String> WEIGHTED = Set.of("Conv", "ConvTranspose", "Gemm", "MatMul");

    /** Ops that show a model is already quantized. */
    static final Set<String> QUANTIZED = Set.of("QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear",
            "QLinearConv", "QLinearMatMul", "MatMulInteger", "ConvInteger", "QGemm", "MatMulIntegerToFloat");

    /** True when {@code nodes} hold quantization ops (the model is already quantized). */
    static boolean anyQuantized(Collection<NodeProto> nodes) {
        return nodes.stream().anyMatch(n -> QUANTIZED.contains(n.getOpType()));
    }

    /** Why a float island stays for op types with no integer kernel worth naming (report text). */
    private static final Map<String, String> FLOAT_REASONS = Map.of(
            "HardSwish", "ONNX Runtime has no integer HardSwish kernel",
            "HardSigmoid", "ONNX Runtime has no integer HardSigmoid kernel",
            "Pad", "ONNX Runtime keeps DequantizeLinear -> Pad -> QuantizeLinear in float",
            "ConvTranspose", "ONNX Runtime has no integer ConvTranspose kernel on CPU");

    private OnnxOpClasses() {
    }

    /** The class of {@code n} (custom-domain ops are float only). */
    static OpClass of(NodeProto n) {
        if (!OnnxGraph.isStandard(n)) {
            return OpClass.FLOAT_ONLY;
        }
        return of(n.getOpType());
    }

    static OpClass of(String op) {
        if (WEIGHTED.contains(op)) {
            return OpClass.WEIGHTED;
        }
        if (INTEGER_KERNEL.contains(op)) {
            return OpClass.INTEGER_KERNEL;
        }
        if (SHARED_SCALE.contains(op)) {
            return OpClass.SHARED_SCALE;
        }
        if (REMOVABLE_ACTIVATION.contains(op)) {
            return OpClass.REMOVABLE_ACTIVATION;
        }
        if (SHAPE_READER.contains(op)) {
            return OpClass.SHAPE_READER;
        }
        return OpClass.FLOAT_ONLY;
    }

    /** Report text for an op left in float between quantized tensors. */
    static String floatReason(String op) {
        return FLOAT_REASONS.getOrDefault(op, "ONNX Runtime has no integer " + op + " kernel on CPU");
    }
}
