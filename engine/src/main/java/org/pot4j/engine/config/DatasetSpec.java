package org.pot4j.engine.config;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A dataset entry ({@code calibration_dataset}, {@code validation_dataset}).
 *
 * @param type       the dataset provider ({@code idx}, {@code npy}, {@code csv}, or a plugin's)
 * @param params     the provider's parameters; relative paths resolve against the config's folder
 * @param annotation {@code fp32_output} to annotate each sample with the FP32 model's output, or null
 */
public record DatasetSpec(String type, Map<String, Object> params, String annotation) {
    /** Validates and freezes. */
    public DatasetSpec {
        Objects.requireNonNull(type, "type");
        params = JsonFiles.freezeMap(params);
    }

    /** The spec in the flat form {@link org.pot4j.engine.Pot4j#openDataset} takes. */
    public Map<String, Object> toSpec() {
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("type", type);
        spec.putAll(params);
        if (annotation != null) {
            spec.put("annotation", annotation);
        }
        return spec;
    }
}
