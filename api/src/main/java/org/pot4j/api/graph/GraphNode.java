package org.pot4j.api.graph;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One node of a model's neutral graph view: its kind, its data edges and, for a weighted node, where
 * its weight and bias are. Tensor names are the backend's own (placement lists them back in
 * {@link org.pot4j.api.model.QuantizableNode}), and the backend decides what a weight is: a node
 * has {@code weightName} only when the backend can quantize that operand.
 *
 * @param id                unique node name (what plans, configs and reports call it)
 * @param opType            the framework's op type, for reports and {@code ignored.operations}
 * @param kind              the framework-neutral kind
 * @param inputs            data inputs in order (attribute-like operands such as a concat axis left
 *                          out; an absent optional input is {@code ""}); for a weighted node the
 *                          activation it multiplies comes first
 * @param outputs           the tensors it produces
 * @param weightName        the weight tensor, or null when the node has none the backend quantizes
 * @param weightShape       the weight's shape in the framework's layout (empty without weight)
 * @param weightChannelAxis axis of {@code weightShape} indexing output channels
 * @param biasName          the bias tensor, or null
 * @param outputName        the tensor the node's value is read from after its bias (placement starts
 *                          the output quantizer there; bias correction compares it)
 * @param outputChannelAxis channel axis of {@code outputName}, -1 when none
 */
public record GraphNode(String id, String opType, NodeKind kind, List<String> inputs, List<String> outputs,
                        String weightName, long[] weightShape, int weightChannelAxis, String biasName,
                        String outputName, int outputChannelAxis) {
    /** Validates and copies. */
    public GraphNode {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(opType, "opType");
        Objects.requireNonNull(kind, "kind");
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        weightShape = weightShape == null ? new long[0] : weightShape.clone();
    }

    /** A node without weight whose value is read from its first output. */
    public static GraphNode of(String id, String opType, NodeKind kind, List<String> inputs, List<String> outputs) {
        return new GraphNode(id, opType, kind, inputs, outputs, null, null, -1, null,
                outputs.isEmpty() ? null : outputs.get(0), -1);
    }

    /** True when the backend quantizes a weight of this node. */
    public boolean hasWeight() {
        return weightName != null;
    }

    /** The first input, or {@code ""} when there is none. */
    public String input(int i) {
        return i < inputs.size() ? inputs.get(i) : "";
    }

    @Override
    public long[] weightShape() {
        return weightShape.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GraphNode n && n.id.equals(id) && n.opType.equals(opType) && n.kind == kind
                && n.inputs.equals(inputs) && n.outputs.equals(outputs) && Objects.equals(n.weightName, weightName)
                && Arrays.equals(n.weightShape, weightShape) && n.weightChannelAxis == weightChannelAxis
                && Objects.equals(n.biasName, biasName) && Objects.equals(n.outputName, outputName)
                && n.outputChannelAxis == outputChannelAxis;
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, kind, inputs, outputs, weightName);
    }

    @Override
    public String toString() {
        return id + " (" + opType + ", " + kind + ") " + inputs + " -> " + outputs
                + (weightName == null ? "" : " weight " + weightName + Arrays.toString(weightShape));
    }
}
