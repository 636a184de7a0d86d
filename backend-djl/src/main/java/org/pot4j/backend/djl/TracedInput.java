package org.pot4j.backend.djl;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.pot4j.api.DataType;

/**
 * The example inputs {@code torch.jit.trace} (torch 2.x) records in {@code traced_inputs.pkl}:
 * only their shapes and types are used, as the default input shapes of a model.
 *
 * @param shape    the traced shape (with the example's batch size)
 * @param dataType element type, or null when not one pot4j feeds
 */
record TracedInput(long[] shape, DataType dataType) {
    /** The traced inputs of {@code forward}, or an empty list when the archive has none. */
    static List<TracedInput> read(TorchScriptArchive archive) {
        List<TracedInput> out = new ArrayList<>();
        byte[] pkl = archive.get("traced_inputs.pkl");
        if (pkl == null) {
            return out;
        }
        try {
            Object root = PickleReader.read(pkl);
            Object dict = root instanceof Pickle.Reduce r && r.args.size() > 0 ? r.args.get(0) : root;
            Object forward = dict instanceof Map<?, ?> m ? m.get("forward") : null;
            Object list = forward instanceof Pickle.Reduce r && r.args.size() > 0 ? r.args.get(0) : forward;
            if (list instanceof List<?> items) {
                for (Object item : items) {
                    TorchTensorRecord t = TorchTensorRecord.of(item);
                    if (t == null) {
                        return List.of();
                    }
                    out.add(new TracedInput(t.size, switch (t.storageType) {
                        case "FloatStorage" -> DataType.FLOAT32;
                        case "DoubleStorage" -> DataType.FLOAT64;
                        case "LongStorage" -> DataType.INT64;
                        case "IntStorage" -> DataType.INT32;
                        default -> null;
                    }));
                }
            }
        } catch (IOException | RuntimeException e) {
            return List.of(); // only a hint: fall back to the model options
        }
        return out;
    }
}
