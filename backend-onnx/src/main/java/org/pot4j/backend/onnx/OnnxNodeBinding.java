package org.pot4j.backend.onnx;

import org.pot4j.api.model.QuantizableNode;

/**
 * Where a {@link QuantizableNode} lives in the ONNX graph: the node, which input holds the weight,
 * and where its bias is (an input of the node itself, or the initializer of the {@code Add} that
 * follows a {@code MatMul}).
 *
 * @param view         the backend-neutral description handed to the engine
 * @param nodeIndex    index of the node in the normalized graph
 * @param weightInput  input slot of the weight, -1 for weightless nodes
 * @param biasNode     index of the node holding the bias ({@code nodeIndex} or the following Add), -1 when
 *                     the node cannot take a bias
 * @param biasInput    input slot of the bias in {@code biasNode} (where one is added if missing)
 * @param biasShape    shape of the existing bias initializer, null when there is none
 */
record OnnxNodeBinding(QuantizableNode view, int nodeIndex, int weightInput, int biasNode, int biasInput,
                       long[] biasShape) {
    String id() {
        return view.id();
    }

    /** Number of output channels the bias (and per-channel weight scales) cover; 0 for weightless nodes. */
    int outputChannels() {
        if (!view.hasWeight()) {
            return 0;
        }
        long[] ws = view.weightShape();
        return (int) ws[view.weightChannelAxis()];
    }
}
