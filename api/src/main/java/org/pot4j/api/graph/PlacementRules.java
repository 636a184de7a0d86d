package org.pot4j.api.graph;

import java.util.Map;
import java.util.Set;

/**
 * What a backend's runtime does with quantized tensors, declared by the backend and read by
 * {@link QuantizerPlacement}: facts about kernels, not placement code. The placement rules
 * themselves (a convolution quantizes its input and its output after a folded ReLU, quantizers are
 * traced back through pass-through ops, a weightless node takes its input and output quantizers
 * with it on revert) are the same for every backend.
 *
 * @param weightlessKernels    weightless kinds the runtime runs on integer kernels when their inputs
 *                             (and output) are quantized, each with when to list it
 * @param sharedScale          kinds the runtime runs on 8-bit data with the input's own quantizer
 *                             (values unchanged or only selected), so a quantizer is placed on the
 *                             tensor before them
 * @param sharedScaleInRegion  kinds treated as {@code sharedScale} only on convolutional-region tensors
 * @param convFeed             how "fed by a convolution" is decided for {@link KernelRule#needsConvInput}
 * @param regionCarriers       kinds whose outputs stay in the convolutional region when an input is
 *                             in it ({@link ConvFeed#REGION} only)
 * @param keepShapeReadTensors do not trace a quantizer above a pass-through op whose input (outside
 *                             the region) a {@link NodeKind#SHAPE} node reads: the runtime folds
 *                             shape chains only while they read the same tensor
 */
public record PlacementRules(Map<NodeKind, KernelRule> weightlessKernels, Set<NodeKind> sharedScale,
                             Set<NodeKind> sharedScaleInRegion, ConvFeed convFeed, Set<NodeKind> regionCarriers,
                             boolean keepShapeReadTensors) {
    /** Copies. */
    public PlacementRules {
        weightlessKernels = Map.copyOf(weightlessKernels);
        sharedScale = Set.copyOf(sharedScale);
        sharedScaleInRegion = Set.copyOf(sharedScaleInRegion);
        regionCarriers = Set.copyOf(regionCarriers);
    }

    /**
     * When a weightless node of one kind is listed.
     *
     * @param needsConvInput  only when one of its inputs is fed by a convolution (see {@link ConvFeed})
     * @param quantizesOutput its output gets a quantizer too (false when the kernel's output is float)
     * @param inputRank       the rank its first input must have, or -1 for any
     */
    public record KernelRule(boolean needsConvInput, boolean quantizesOutput, int inputRank) {
        /** Listed when fed by a convolution; output quantized; any rank. */
        public static final KernelRule AFTER_CONV = new KernelRule(true, true, -1);
        /** Always listed; output quantized; any rank. */
        public static final KernelRule ALWAYS = new KernelRule(false, true, -1);
    }

    /** How a weightless node's input counts as fed by a convolution. */
    public enum ConvFeed {
        /**
         * Integer kernels chain: the convolutional region is every tensor computed from a convolution
         * output through {@code regionCarriers}, and an input anywhere in it counts.
         */
        REGION,
        /**
         * Only a convolution output itself (or after its folded ReLU), reached back through
         * pass-through ops, counts.
         */
        SOURCE
    }
}
