package org.pot4j.api.model;

import java.util.Arrays;
import java.util.Objects;
import org.pot4j.api.DataType;

/**
 * Name, type and shape of a model input or output; {@code -1} marks a dynamic dimension.
 *
 * @param name     tensor name as the runtime knows it
 * @param dataType element type
 * @param shape    dimensions, {@code -1} where dynamic (usually the batch)
 */
public record TensorInfo(String name, DataType dataType, long[] shape) {
    /** Copies the shape. */
    public TensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dataType, "dataType");
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && t.name.equals(name) && t.dataType == dataType && Arrays.equals(t.shape, shape);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dataType, Arrays.hashCode(shape));
    }

    @Override
    public String toString() {
        return name + ":" + dataType + Arrays.toString(shape);
    }
}
