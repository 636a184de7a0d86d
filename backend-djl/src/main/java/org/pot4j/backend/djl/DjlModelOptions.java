package org.pot4j.backend.djl;

import ai.djl.util.JsonUtils;
import com.google.gson.JsonParseException;
import com.google.gson.reflect.TypeToken;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pot4j.api.DataType;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;

/**
 * Model options of the {@code djl} backend. TorchScript stores no static input shapes, so they come
 * from, in this order: the config's model options, a sidecar JSON file next to the model
 * ({@code <model file>.json}, e.g. {@code lenet.pt.json}, same keys), or the example inputs that
 * {@code torch.jit.trace} records in the archive ({@code traced_inputs.pkl}, torch 2.x) with the
 * batch dimension made dynamic, or, last, the conv or linear layer that reads the input: its weight
 * gives the rank and the channel (feature) count, every other dimension is dynamic.
 *
 * <p>{@code save} records the names, shapes and types the model was loaded with in the archive
 * ({@code extra/pot4j_io.json}), so a saved model reloads the same way without options.
 *
 * <ul>
 *   <li>{@code input_names}: list, renames the forward parameters (default: their names).</li>
 *   <li>{@code input_shapes}: map name to shape ({@code -1} = dynamic), or a list by position.</li>
 *   <li>{@code input_types}: map name to {@code float32 | float64 | int64 | int32} (default float32).</li>
 *   <li>{@code output_names}: list (default {@code output}, or {@code output_<i>} for tuple outputs).</li>
 *   <li>{@code output}: {@code int8} (default: PyTorch's quantized kernels) or {@code fake_quant}
 *   (float fake-quant model), what {@code save} writes.</li>
 *   <li>{@code intra_op_threads} (or the engine's {@code threads}): libtorch intra-op threads (process-wide).</li>
 * </ul>
 */
final class DjlModelOptions {
    static final Set<String> KEYS = Set.of("input_names", "input_shapes", "input_types", "output_names", "output",
            "intra_op_threads", "threads");

    /** What {@code save} writes. */
    enum Output {
        /** quantized::conv2d / linear / add kernels, int8 weights (default). */
        INT8,
        /** float fake-quant calls and int8 weight storage dequantized in code (accuracy simulation, QAT hand-off). */
        FAKE_QUANT
    }

    Output output = Output.INT8;
    /** libtorch intra-op threads, or 0 for libtorch's default. */
    int threads;

    List<String> inputNames;
    Map<String, long[]> shapesByName = new LinkedHashMap<>();
    List<long[]> shapesByPosition;
    Map<String, DataType> types = new LinkedHashMap<>();
    List<String> outputNames;

    /** Record of a saved model that keeps the options it was loaded with (a TorchScript extra file). */
    static final String EXTRA_RECORD = "extra/pot4j_io.json";

    /**
     * Options from the config, completed by the sidecar file and then by what pot4j recorded in the
     * archive when it saved it ({@link #EXTRA_RECORD}).
     */
    static DjlModelOptions from(Path model, Map<String, Object> options, TorchScriptArchive archive) {
        Map<String, Object> merged = new LinkedHashMap<>();
        String recorded = archive.text(EXTRA_RECORD);
        if (recorded != null) {
            try {
                Map<String, Object> fromArchive = JsonUtils.GSON.fromJson(recorded,
                        new TypeToken<Map<String, Object>>() { }.getType());
                if (fromArchive != null) {
                    merged.putAll(fromArchive);
                }
            } catch (JsonParseException e) {
                // a hint only: the config, the sidecar or the archive's own records still apply
            }
        }
        Path sidecar = model.resolveSibling(model.getFileName() + ".json");
        if (Files.isRegularFile(sidecar)) {
            try {
                Map<String, Object> fromFile = JsonUtils.GSON.fromJson(Files.readString(sidecar),
                        new TypeToken<Map<String, Object>>() { }.getType());
                if (fromFile != null) {
                    merged.putAll(fromFile);
                }
            } catch (IOException | JsonParseException e) {
                throw new Pot4jException(ErrorCode.CONFIG_INVALID, "cannot read " + sidecar.getFileName() + ": "
                        + DjlRuntime.firstLine(e) + "; it must be a JSON object with keys " + KEYS, e);
            }
        }
        if (options != null) {
            merged.putAll(options);
        }
        DjlModelOptions o = new DjlModelOptions();
        for (Map.Entry<String, Object> e : merged.entrySet()) {
            String key = e.getKey();
            Object v = e.getValue();
            switch (key) {
                case "input_names" -> o.inputNames = strings(key, v);
                case "output_names" -> o.outputNames = strings(key, v);
                case "input_shapes" -> {
                    if (v instanceof Map<?, ?> m) {
                        m.forEach((k, s) -> o.shapesByName.put(String.valueOf(k), shape(key, s)));
                    } else if (v instanceof List<?> l) {
                        o.shapesByPosition = new ArrayList<>();
                        for (Object s : l) {
                            o.shapesByPosition.add(shape(key, s));
                        }
                    } else {
                        throw bad(key, v, "a map of input name to shape, e.g. {\"input\": [-1, 1, 28, 28]}");
                    }
                }
                case "input_types" -> {
                    if (!(v instanceof Map<?, ?> m)) {
                        throw bad(key, v, "a map of input name to float32|float64|int64|int32");
                    }
                    m.forEach((k, t) -> o.types.put(String.valueOf(k), dataType(key, t)));
                }
                case "output" -> o.output = switch (String.valueOf(v).toLowerCase(java.util.Locale.ROOT)) {
                    case "int8" -> Output.INT8;
                    case "fake_quant" -> Output.FAKE_QUANT;
                    default -> throw bad(key, v, "int8 or fake_quant");
                };
                case "intra_op_threads", "threads" -> {
                    if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.intValue() < 1) {
                        if (!(v instanceof String str) || !str.matches("[1-9][0-9]{0,3}")) {
                            throw bad(key, v, "a whole number >= 1");
                        }
                        o.threads = Integer.parseInt(str);
                    } else {
                        o.threads = n.intValue();
                    }
                }
                default -> {
                    // other backends' or engine-level options are not ours to judge
                }
            }
        }
        return o;
    }

    private static List<String> strings(String key, Object v) {
        if (!(v instanceof List<?> l)) {
            throw bad(key, v, "a list of names");
        }
        return l.stream().map(String::valueOf).toList();
    }

    private static long[] shape(String key, Object v) {
        if (!(v instanceof List<?> l)) {
            throw bad(key, v, "shapes as lists of integers (-1 = dynamic)");
        }
        long[] s = new long[l.size()];
        for (int i = 0; i < s.length; i++) {
            if (!(l.get(i) instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.longValue() < -1) {
                throw bad(key, v, "shapes as lists of integers (-1 = dynamic)");
            }
            s[i] = n.longValue();
        }
        return s;
    }

    private static DataType dataType(String key, Object v) {
        return switch (String.valueOf(v).toLowerCase(java.util.Locale.ROOT)) {
            case "float32", "float" -> DataType.FLOAT32;
            case "float64", "double" -> DataType.FLOAT64;
            case "int64", "long" -> DataType.INT64;
            case "int32", "int" -> DataType.INT32;
            default -> throw bad(key, v, "float32, float64, int64 or int32");
        };
    }

    private static Pot4jException bad(String key, Object v, String expected) {
        return new Pot4jException(ErrorCode.CONFIG_INVALID, "model option " + key + " = " + v + " is invalid; expected "
                + expected);
    }

    /** The {@link #EXTRA_RECORD} JSON describing {@code inputs} and {@code outputNames}. */
    static String record(List<org.pot4j.api.model.TensorInfo> inputs, List<String> outputNames) {
        Map<String, Object> json = new LinkedHashMap<>();
        Map<String, Object> shapes = new LinkedHashMap<>();
        Map<String, Object> types = new LinkedHashMap<>();
        for (org.pot4j.api.model.TensorInfo in : inputs) {
            List<Long> shape = new ArrayList<>();
            for (long d : in.shape()) {
                shape.add(d);
            }
            shapes.put(in.name(), shape);
            types.put(in.name(), in.dataType().name().toLowerCase(java.util.Locale.ROOT));
        }
        json.put("input_names", inputs.stream().map(org.pot4j.api.model.TensorInfo::name).toList());
        json.put("input_shapes", shapes);
        json.put("input_types", types);
        json.put("output_names", outputNames);
        return JsonUtils.GSON.toJson(json);
    }
}
