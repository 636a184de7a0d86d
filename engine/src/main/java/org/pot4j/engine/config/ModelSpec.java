package org.pot4j.engine.config;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * The {@code model} section.
 *
 * @param modelName {@code model_name}: names the output folder and files (default: the model file's stem)
 * @param path      {@code model}: the model file or folder, resolved against the config's folder
 * @param framework {@code framework}: the backend to use, or null to let backends claim the file
 * @param options   {@code options}: backend-specific load options
 * @param weights   POT's {@code weights}: the model's external weights file (ONNX external data, next to the model),
 *                  or null; hashed into the resume key with the model
 */
public record ModelSpec(String modelName, Path path, String framework, Map<String, Object> options, Path weights) {
    /** Validates and freezes. */
    public ModelSpec {
        Objects.requireNonNull(modelName, "modelName");
        Objects.requireNonNull(path, "path");
        options = JsonFiles.freezeMap(options);
    }

    /** A model without a separate weights file. */
    public ModelSpec(String modelName, Path path, String framework, Map<String, Object> options) {
        this(modelName, path, framework, options, null);
    }
}
