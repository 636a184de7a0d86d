package org.pot4j.backend.tensorflow;

import org.pot4j.api.DataType;
import org.pot4j.api.model.TensorInfo;

/**
 * A model input or output: the name users and datasets see ({@code key}: the signature key of a
 * SavedModel, the op name of a frozen graph) and the graph tensor behind it.
 *
 * @param key      public name, the {@link TensorInfo#name()}
 * @param tensor   canonical graph tensor name ({@code op:index})
 * @param dataType element type
 * @param shape    dimensions, -1 where dynamic
 */
record TfEndpoint(String key, String tensor, DataType dataType, long[] shape) {
    TfEndpoint {
        shape = shape.clone();
    }

    /** The public description. */
    TensorInfo info() {
        return new TensorInfo(key, dataType, shape);
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }
}
