package org.pot4j.backend.djl;

import ai.djl.util.JsonUtils;
import com.google.gson.FieldNamingPolicy;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pot4j.api.DataType;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.param.Parameters;

/**
 * The resolved model options of the {@code djl} backend ({@link DjlLoadOptions} holds the keys).
 * TorchScript stores no static input shapes, so they come from, in this order: the config's model options, a sidecar JSON file next to the model
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

    /** Reads the sidecar file and the archive's record: snake_case keys, unknown ones ignored (model files, not a config). */
    private static final Gson SNAKE = new GsonBuilder().setFieldNamingPolicy(FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES).create();

    /**
     * Options from the config (bound by the engine), completed by the sidecar file and then by what pot4j
     * recorded in the archive when it saved it ({@link #EXTRA_RECORD}).
     */
    static DjlModelOptions from(Path model, DjlLoadOptions options, TorchScriptArchive archive) {
        DjlLoadOptions recorded = null;
        String text = archive.text(EXTRA_RECORD);
        if (text != null) {
            try {
                recorded = SNAKE.fromJson(text, DjlLoadOptions.class);
            } catch (RuntimeException e) {
                // a hint only: the config, the sidecar or the archive's own records still apply
            }
        }
        DjlLoadOptions sidecarOptions = null;
        Path sidecar = model.resolveSibling(model.getFileName() + ".json");
        if (Files.isRegularFile(sidecar)) {
            try {
                sidecarOptions = SNAKE.fromJson(Files.readString(sidecar), DjlLoadOptions.class);
            } catch (IOException | RuntimeException e) {
                throw new Pot4jException(ErrorCode.CONFIG_INVALID, "cannot read " + sidecar.getFileName() + ": "
                        + DjlRuntime.firstLine(e.getCause() instanceof IllegalArgumentException iae ? iae : e)
                        + "; it must be a JSON object with keys " + Parameters.keys(DjlLoadOptions.class), e);
            }
        }
        DjlLoadOptions given = options == null ? DjlLoadOptions.defaults() : options;
        DjlLoadOptions merged = given.over(sidecarOptions == null ? recorded : sidecarOptions.over(recorded));
        DjlModelOptions o = new DjlModelOptions();
        o.inputNames = merged.inputNames();
        o.outputNames = merged.outputNames();
        if (merged.inputShapes() instanceof Map<?, ?> m) {
            m.forEach((k, s) -> o.shapesByName.put(String.valueOf(k), DjlLoadOptions.shape(s)));
        } else if (merged.inputShapes() instanceof List<?> l) {
            o.shapesByPosition = new ArrayList<>();
            for (Object s : l) {
                o.shapesByPosition.add(DjlLoadOptions.shape(s));
            }
        }
        if (merged.inputTypes() != null) {
            merged.inputTypes().forEach((k, t) -> o.types.put(k, DjlLoadOptions.dataType(t)));
        }
        if (merged.output() != null) {
            o.output = DjlLoadOptions.outputKind(merged.output());
        }
        Integer threads = merged.intraOpThreads() != null ? merged.intraOpThreads() : merged.threads();
        o.threads = threads == null ? 0 : threads;
        return o;
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
