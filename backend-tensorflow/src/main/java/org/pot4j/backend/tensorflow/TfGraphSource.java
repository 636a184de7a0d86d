package org.pot4j.backend.tensorflow;

import java.util.List;
import org.tensorflow.proto.GraphDef;

/**
 * A model reduced to what pot4j works on: a frozen, function-free GraphDef (weights as
 * {@code Const} nodes) and its inputs and outputs.
 *
 * @param graph   the frozen graph, pruned to what the outputs need
 * @param inputs  model inputs, in model order
 * @param outputs model outputs, in signature order
 * @param format  the format it was read from (decides what {@code save} writes by default)
 */
record TfGraphSource(GraphDef graph, List<TfEndpoint> inputs, List<TfEndpoint> outputs, Format format) {
    /** On-disk formats the backend reads and writes. */
    enum Format { SAVED_MODEL, FROZEN_GRAPH }

    TfGraphSource {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }
}
