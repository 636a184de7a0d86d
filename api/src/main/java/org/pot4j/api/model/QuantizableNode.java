package org.pot4j.api.model;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.pot4j.api.graph.NodeKind;

/**
 * One operation of the graph view that the engine may quantize, and the quantizers that move
 * with it (NNCF's quantizer group): reverting the node to FP32 removes its weight quantizer and
 * every activation quantizer listed here that no other quantized node needs.
 *
 * <p>Weightless nodes (residual {@code Add}, pooling, ...) are listed too when the runtime needs
 * quantizers around them to run integer kernels; they have {@code weightName == null}.
 *
 * @param id                 unique, stable node name (used in plans, configs, reports)
 * @param opType             the framework's op type ({@code Conv}, {@code MatMul}, {@code Conv2D}, ...)
 * @param activationInputs   tensors entering the node that get an activation quantizer
 * @param activationOutputs  tensors leaving the node that get an activation quantizer (empty when
 *                           the consumer's input quantizer covers it)
 * @param weightName         the weight tensor's name, or null for weightless nodes
 * @param weightShape        the weight's shape in the framework's layout, empty when no weight
 * @param weightChannelAxis  axis of {@code weightShape} that indexes output channels (per-channel scales)
 * @param biasName           the bias tensor's name, or null when the node has none
 * @param outputName         the tensor the node itself produces (before any activation function);
 *                           bias correction compares its FP32 and quantized per-channel means
 * @param outputChannelAxis  axis of the output activation that indexes channels (for bias correction),
 *                           or -1 when it has none
 * @param kind               the framework-neutral kind of the node (transformer mode and the ignored
 *                           scope's {@code kinds} read it)
 */
public record QuantizableNode(
        String id,
        String opType,
        List<String> activationInputs,
        List<String> activationOutputs,
        String weightName,
        long[] weightShape,
        int weightChannelAxis,
        String biasName,
        String outputName,
        int outputChannelAxis,
        NodeKind kind) {

    /** Validates and copies. */
    public QuantizableNode {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(opType, "opType");
        Objects.requireNonNull(kind, "kind");
        activationInputs = List.copyOf(activationInputs);
        activationOutputs = List.copyOf(activationOutputs);
        weightShape = weightShape == null ? new long[0] : weightShape.clone();
    }

    /**
     * A node of kind {@link NodeKind#OTHER}, for graph views written before kinds existed (transformer
     * mode and ignored kinds then do not apply to it).
     */
    public QuantizableNode(String id, String opType, List<String> activationInputs, List<String> activationOutputs,
                           String weightName, long[] weightShape, int weightChannelAxis, String biasName,
                           String outputName, int outputChannelAxis) {
        this(id, opType, activationInputs, activationOutputs, weightName, weightShape, weightChannelAxis, biasName,
                outputName, outputChannelAxis, NodeKind.OTHER);
    }

    /** True when the node has a weight to quantize. */
    public boolean hasWeight() {
        return weightName != null;
    }

    /** True when the node has a bias that bias correction can shift. */
    public boolean hasBias() {
        return biasName != null;
    }

    @Override
    public long[] weightShape() {
        return weightShape.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof QuantizableNode n && n.id.equals(id) && n.opType.equals(opType)
                && n.activationInputs.equals(activationInputs) && n.activationOutputs.equals(activationOutputs)
                && Objects.equals(n.weightName, weightName) && Arrays.equals(n.weightShape, weightShape)
                && n.weightChannelAxis == weightChannelAxis && Objects.equals(n.biasName, biasName) && Objects.equals(n.outputName, outputName)
                && n.outputChannelAxis == outputChannelAxis && n.kind == kind;
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, opType, activationInputs, activationOutputs, weightName);
    }
}
