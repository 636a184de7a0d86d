package org.pot4j.backend.tensorflow;

import java.util.Optional;
import org.pot4j.api.DataType;

/** Maps TensorFlow's element types to pot4j's and back. */
final class TfDataTypes {
    private TfDataTypes() {
    }

    /** The pot4j type of a TensorFlow type, or empty when pot4j cannot exchange it (strings, half floats...). */
    static Optional<DataType> toPot4j(org.tensorflow.proto.DataType type) {
        switch (type) {
            case DT_FLOAT: return Optional.of(DataType.FLOAT32);
            case DT_DOUBLE: return Optional.of(DataType.FLOAT64);
            case DT_INT64: return Optional.of(DataType.INT64);
            case DT_INT32: return Optional.of(DataType.INT32);
            case DT_UINT8: return Optional.of(DataType.UINT8);
            case DT_BOOL: return Optional.of(DataType.BOOL);
            // TensorFlow Java has no Java type for DT_INT8 tensors, so int8 model inputs cannot be fed.
            default: return Optional.empty();
        }
    }

    /** The TensorFlow type of a pot4j type (INT8 maps to DT_INT8, used for stored weights only). */
    static org.tensorflow.proto.DataType toTf(DataType type) {
        switch (type) {
            case FLOAT32: return org.tensorflow.proto.DataType.DT_FLOAT;
            case FLOAT64: return org.tensorflow.proto.DataType.DT_DOUBLE;
            case INT64: return org.tensorflow.proto.DataType.DT_INT64;
            case INT32: return org.tensorflow.proto.DataType.DT_INT32;
            case INT8: return org.tensorflow.proto.DataType.DT_INT8;
            case UINT8: return org.tensorflow.proto.DataType.DT_UINT8;
            case BOOL: return org.tensorflow.proto.DataType.DT_BOOL;
            default: throw new IllegalArgumentException("no TensorFlow type for " + type);
        }
    }

    /** A short readable name ({@code float32}, {@code string}...) for messages. */
    static String readable(org.tensorflow.proto.DataType type) {
        String n = type.name();
        return n.startsWith("DT_") ? n.substring(3).toLowerCase(java.util.Locale.ROOT) : n;
    }
}
