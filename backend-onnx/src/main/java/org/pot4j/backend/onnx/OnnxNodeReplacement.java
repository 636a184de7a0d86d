package org.pot4j.backend.onnx;

import java.util.List;
import org.pot4j.backend.onnx.proto.OnnxProtos.NodeProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.TensorProto;

/**
 * Nodes the QDQ writer emits in place of one original node (an int8 embedding gather, a dynamically
 * quantized MatMul), and the initializers they read. The last node produces the original output name.
 *
 * @param nodes        in order
 * @param initializers new initializers
 */
record OnnxNodeReplacement(List<NodeProto> nodes, List<TensorProto> initializers) {
    OnnxNodeReplacement {
        nodes = List.copyOf(nodes);
        initializers = List.copyOf(initializers);
    }
}
