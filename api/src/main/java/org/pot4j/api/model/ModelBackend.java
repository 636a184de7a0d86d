package org.pot4j.api.model;

import java.nio.file.Path;
import java.util.Set;

/**
 * Reads, runs and writes models of one framework. Created by a {@link ModelBackendProvider}.
 *
 * @param <P> the load-options record its provider declares ({@link ModelBackendProvider#loadOptions()})
 */
public interface ModelBackend<P extends Record> extends AutoCloseable {
    /** Same as the provider's name. */
    String name();

    /** What this backend supports. */
    Set<BackendCapability> capabilities();

    /**
     * True when {@code path} looks like a model of this framework (by extension or layout, without
     * parsing it fully). Used to choose a backend when the config names none.
     */
    boolean accepts(Path path);

    /**
     * Loads a model.
     *
     * @param path    model file or folder
     * @param options the model's options, already bound and checked by the engine (e.g. a TensorFlow
     *                {@code signature}); null for the record's defaults
     * @throws org.pot4j.api.Pot4jException {@code FILE_NOT_FOUND}, {@code MODEL_CORRUPT} or
     *                                      {@code MODEL_UNSUPPORTED}, naming the file
     */
    Model load(Path path, P options);

    /** Loads a model with default options. */
    default Model load(Path path) {
        return load(path, null);
    }

    /** Releases native resources. */
    @Override
    default void close() {
    }
}
