package org.pot4j.engine.evaluation.executor;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * How to load a model again on another JVM: the backend that loaded it, the path it was read
 * from and the load options. A remote executor ships the model's files (see
 * {@link org.pot4j.api.model.Model#sourceFiles()}) or relies on a shared file system; either way
 * {@link TaskRunner} loads it through the same backend plugin, so the compiled model is the same.
 *
 * @param backend     backend name ({@code onnx}, {@code tensorflow}, {@code djl}, ...)
 * @param path        the model file or folder as the driver saw it
 * @param loadOptions backend load options (JSON-like values: strings, numbers, booleans, lists, maps)
 */
public record ModelDescriptor(String backend, String path, Map<String, Object> loadOptions) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Validates and copies. */
    public ModelDescriptor {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(path, "path");
        loadOptions = loadOptions == null ? new LinkedHashMap<>() : new LinkedHashMap<>(loadOptions);
    }

    /** The same model read from {@code newPath} (a copy of its files on an executor). */
    public ModelDescriptor at(String newPath) {
        return new ModelDescriptor(backend, newPath, loadOptions);
    }
}
