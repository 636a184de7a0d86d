package org.pot4j.backend.djl;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.pot4j.api.DataType;
import org.pot4j.api.param.Range;

/**
 * The {@code djl} backend's load options (a config's {@code model.options}), bound and checked by the
 * engine when the config loads ({@link org.pot4j.api.param.Parameters}'s convention); a null component
 * is not given. The same keys may come from a sidecar file next to the model and from the record pot4j
 * writes into a saved archive ({@link DjlModelOptions} merges the three).
 *
 * @param inputNames     renames the forward parameters (default: their names)
 * @param inputShapes    a map of input name to shape ({@code -1} = dynamic), or a list of shapes by position
 * @param inputTypes     a map of input name to {@code float32 | float64 | int64 | int32} (default float32)
 * @param outputNames    output names (default {@code output}, or {@code output_<i>} for tuple outputs)
 * @param output         what {@code save} writes: {@code int8} (default, PyTorch's quantized kernels) or
 *                       {@code fake_quant} (a float fake-quant model)
 * @param intraOpThreads libtorch intra-op threads (process-wide)
 * @param threads        the engine's backend-neutral name for the same ({@code engine.threads});
 *                       {@code intra_op_threads} wins when both are given
 */
public record DjlLoadOptions(List<String> inputNames, Object inputShapes, Map<String, String> inputTypes,
                             List<String> outputNames, String output, @Range(min = 1) Integer intraOpThreads,
                             @Range(min = 1) Integer threads) {
    /** Checks the values: shapes, type names and {@code output}. */
    public DjlLoadOptions {
        inputNames = inputNames == null ? null : List.copyOf(inputNames);
        outputNames = outputNames == null ? null : List.copyOf(outputNames);
        if (inputShapes instanceof Map<?, ?> m) {
            m.values().forEach(DjlLoadOptions::shape);
        } else if (inputShapes instanceof List<?> l) {
            l.forEach(DjlLoadOptions::shape);
        } else if (inputShapes != null) {
            throw new IllegalArgumentException("input_shapes = " + inputShapes + " is invalid; expected a map of input name"
                    + " to shape, e.g. {\"input\": [-1, 1, 28, 28]}, or a list of shapes by position");
        }
        if (inputTypes != null) {
            inputTypes.values().forEach(DjlLoadOptions::dataType);
        }
        if (output != null) {
            outputKind(output);
        }
    }

    /** No option given. */
    public static DjlLoadOptions defaults() {
        return new DjlLoadOptions(null, null, null, null, null, null, null);
    }

    /** Only {@code input_shapes}. */
    public static DjlLoadOptions inputShapes(Object shapes) {
        return new DjlLoadOptions(null, shapes, null, null, null, null, null);
    }

    /** Only {@code output}. */
    public static DjlLoadOptions output(String output) {
        return new DjlLoadOptions(null, null, null, null, output, null, null);
    }

    /** These options, each one not given taken from {@code lower} (null: none). */
    DjlLoadOptions over(DjlLoadOptions lower) {
        if (lower == null) {
            return this;
        }
        return new DjlLoadOptions(inputNames != null ? inputNames : lower.inputNames,
                inputShapes != null ? inputShapes : lower.inputShapes,
                inputTypes != null ? inputTypes : lower.inputTypes,
                outputNames != null ? outputNames : lower.outputNames,
                output != null ? output : lower.output,
                intraOpThreads != null ? intraOpThreads : lower.intraOpThreads,
                threads != null ? threads : lower.threads);
    }

    /** A shape: a list of integers, {@code -1} = dynamic. */
    static long[] shape(Object v) {
        if (!(v instanceof List<?> l)) {
            throw bad("input_shapes", v, "shapes as lists of integers (-1 = dynamic)");
        }
        long[] s = new long[l.size()];
        for (int i = 0; i < s.length; i++) {
            if (!(l.get(i) instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.longValue() < -1) {
                throw bad("input_shapes", v, "shapes as lists of integers (-1 = dynamic)");
            }
            s[i] = n.longValue();
        }
        return s;
    }

    /** A type name (case-insensitive; {@code float}, {@code double}, {@code long}, {@code int} too). */
    static DataType dataType(String v) {
        return switch (String.valueOf(v).toLowerCase(Locale.ROOT)) {
            case "float32", "float" -> DataType.FLOAT32;
            case "float64", "double" -> DataType.FLOAT64;
            case "int64", "long" -> DataType.INT64;
            case "int32", "int" -> DataType.INT32;
            default -> throw bad("input_types", v, "float32, float64, int64 or int32");
        };
    }

    /** {@code int8} or {@code fake_quant} (case-insensitive). */
    static DjlModelOptions.Output outputKind(String v) {
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "int8" -> DjlModelOptions.Output.INT8;
            case "fake_quant" -> DjlModelOptions.Output.FAKE_QUANT;
            default -> throw bad("output", v, "int8 or fake_quant");
        };
    }

    private static IllegalArgumentException bad(String key, Object v, String expected) {
        return new IllegalArgumentException("model option " + key + " = " + v + " is invalid; expected " + expected);
    }
}
