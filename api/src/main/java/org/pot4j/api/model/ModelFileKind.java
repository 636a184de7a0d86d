package org.pot4j.api.model;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A kind of model file a backend opens, declared by its {@link ModelBackendProvider} without
 * starting the runtime: the engine asks the backends whose file kinds match a path first, and names
 * the backend to install when none is installed or none starts.
 *
 * @param description what the file is, e.g. {@code "ONNX model"}
 * @param suffixes    file name endings, lower case, e.g. {@code ".onnx"}
 * @param folder      true when the model is a folder (a TensorFlow SavedModel)
 */
public record ModelFileKind(String description, List<String> suffixes, boolean folder) {
    /** Validates and copies. */
    public ModelFileKind {
        Objects.requireNonNull(description, "description");
        suffixes = suffixes.stream().map(s -> s.toLowerCase(Locale.ROOT)).toList();
    }

    /** True when {@code path} is a folder (and this kind is one) or its name ends with one of the suffixes. */
    public boolean matches(Path path) {
        if (folder && Files.isDirectory(path)) {
            return true;
        }
        Path name = path.getFileName();
        String f = name == null ? "" : name.toString().toLowerCase(Locale.ROOT);
        return suffixes.stream().anyMatch(f::endsWith);
    }
}
