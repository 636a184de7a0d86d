package org.pot4j.backend.tensorflow;

import org.pot4j.api.model.QuantizableNode;

/**
 * Where a quantizable node's parts sit in the frozen graph, so a plan can be applied by rewiring
 * edges: the weight is input {@code weightInput} of the node's op, the bias is input
 * {@code biasInput} of op {@code biasOp} (a {@code BiasAdd} or {@code Add}).
 *
 * @param node         the public view
 * @param weightInput  index of the weight among the op's inputs
 * @param weightTensor canonical name of the tensor feeding the weight (evaluated for its values)
 * @param biasOp       name of the op adding the bias, or null
 * @param biasInput    index of the bias among {@code biasOp}'s inputs, or -1
 * @param biasTensor   canonical name of the tensor feeding the bias, or null
 */
record TfNodeInfo(QuantizableNode node, int weightInput, String weightTensor, String biasOp, int biasInput, String biasTensor) {
    /** The op name of the node (its id). */
    String op() {
        return node.id();
    }
}
