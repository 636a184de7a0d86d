package org.pot4j.backend.onnx;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.pot4j.api.quant.ActivationQuantizer;
import org.pot4j.backend.onnx.OnnxKernelTable.Kind;
import org.pot4j.backend.onnx.proto.OnnxProtos.NodeProto;

/**
 * The writer's choice of how to store one quantized activation, from the CPU's measured
 * {@link OnnxKernelTable}:
 * <ul>
 * <li>every 8-bit quantizer can be stored exactly as uint8 with zero point u or as int8 with zero
 * point u - 128; the table picks the faster for the operators reading and writing the tensor
 * (uint8, the default, on a tie: ORT's x86 fusions rewrite int8 Q/DQ pairs to uint8 anyway);</li>
 * <li>an asymmetric quantizer may also become the signed symmetric one covering the same range
 * (zero point 0), but only when the table says zero-point-0 kernels are faster and the statistics
 * allow it: the symmetric step may be at most {@link #MAX_STEP_GROWTH} larger than the asymmetric
 * one, so a skewed tensor (e.g. SiLU outputs in [-0.28, 7.6], where a symmetric range would double
 * the step) keeps its resolution.</li>
 * </ul>
 */
record OnnxActivationStorage(ActivationQuantizer quantizer, OnnxActivationEncoding encoding, int storedZeroPoint) {
    /** Largest relative growth of the quantization step accepted to reach a faster zero point. */
    static final double MAX_STEP_GROWTH = 0.10;

    /** The operator kind of the table that node {@code n} runs as (grouped convs count as depthwise), or none. */
    static Set<Kind> kindsOf(NodeProto n) {
        return switch (n.getOpType()) {
            case "Conv" -> EnumSet.of(OnnxGraph.intAttribute(n, "group", 1) > 1 ? Kind.DEPTHWISE_CONV : Kind.CONV);
            case "MatMul", "Gemm" -> EnumSet.of(Kind.MATMUL);
            case "Add", "Mul", "Concat", "Sigmoid", "LeakyRelu", "AveragePool", "GlobalAveragePool", "Softmax" -> EnumSet.of(Kind.ADD);
            default -> EnumSet.noneOf(Kind.class);
        };
    }

    /**
     * The quantizer the writer stores for {@code q} (itself, or its symmetric form when that is both
     * allowed and faster); the storage is then {@link #choose}'s.
     */
    static ActivationQuantizer effective(ActivationQuantizer q, Set<Kind> kinds, OnnxKernelTable table) {
        if (table == null || kinds.isEmpty() || q.dynamic() || q.bits() != 8) {
            return q;
        }
        int u = unsignedZeroPoint(q);
        if (u == 0 || u == 128) {
            return q;
        }
        ActivationQuantizer sym = symmetric(q);
        if (sym.scale() > q.scale() * (1 + MAX_STEP_GROWTH)) {
            return q;
        }
        OnnxActivationEncoding exact = OnnxActivationEncoding.U8_ZP;
        OnnxActivationEncoding best = table.fastest(kinds, exact,
                List.of(exact, OnnxActivationEncoding.S8_ZP, OnnxActivationEncoding.S8_ZP0));
        return best == OnnxActivationEncoding.S8_ZP0 ? sym : q;
    }

    /** The faster of the two exact storages of {@code q} (uint8 when the table is missing or undecided). */
    static OnnxActivationStorage choose(ActivationQuantizer q, Set<Kind> kinds, OnnxKernelTable table) {
        int u = unsignedZeroPoint(q);
        OnnxActivationEncoding asU8 = OnnxActivationEncoding.of(false, u);
        OnnxActivationEncoding asS8 = OnnxActivationEncoding.of(true, u - 128);
        if (table == null || kinds.isEmpty() || q.bits() != 8) {
            return new OnnxActivationStorage(q, asU8, u);
        }
        List<OnnxActivationEncoding> allowed = new ArrayList<>(List.of(asU8, asS8));
        OnnxActivationEncoding best = table.fastest(kinds, asU8, allowed);
        return best == asS8 ? new OnnxActivationStorage(q, asS8, u - 128) : new OnnxActivationStorage(q, asU8, u);
    }

    /** The uint8 zero point that stores {@code q} exactly (a signed zero point z is z + 128). */
    static int unsignedZeroPoint(ActivationQuantizer q) {
        return q.signed() ? q.zeroPoint() + 128 : q.zeroPoint();
    }

    /** The signed symmetric 8-bit quantizer covering {@code q}'s range ([-127, 127] steps, zero point 0). */
    static ActivationQuantizer symmetric(ActivationQuantizer q) {
        float max = Math.max(Math.abs(q.rangeMin()), Math.abs(q.rangeMax()));
        return new ActivationQuantizer(8, true, max / 127f, 0);
    }
}
