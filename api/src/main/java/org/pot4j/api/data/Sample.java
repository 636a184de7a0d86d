package org.pot4j.api.data;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.pot4j.api.Tensor;

/**
 * One item of a dataset: the seeds' {@code (data, annotation[, metadata])}.
 *
 * <p>{@code inputs} maps model input names to tensors <b>without</b> a batch dimension (the engine
 * stacks samples into batches). When the names do not match the model's inputs, the engine binds
 * them by position, so a single-input dataset may use any name. {@code annotation} is what the
 * metric expects (a class label {@code Integer}, a {@code Tensor}, ...), or null for calibration
 * data.
 *
 * @param inputs     input tensors in model input order
 * @param annotation ground truth for the metric, may be null
 * @param metadata   optional extra information for post-processing, never null
 */
public record Sample(Map<String, Tensor> inputs, Object annotation, Map<String, Object> metadata) {
    /** Validates and freezes the maps. */
    public Sample {
        Objects.requireNonNull(inputs, "inputs");
        if (inputs.isEmpty()) {
            throw new IllegalArgumentException("a sample needs at least one input tensor");
        }
        inputs = Collections.unmodifiableMap(new LinkedHashMap<>(inputs));
        metadata = metadata == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    /** A single-input sample. */
    public static Sample of(String inputName, Tensor input, Object annotation) {
        return new Sample(Map.of(inputName, input), annotation, Map.of());
    }
}
