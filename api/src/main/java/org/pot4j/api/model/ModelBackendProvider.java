package org.pot4j.api.model;

import java.util.List;

/**
 * The factory a backend plugin registers with {@link java.util.ServiceLoader} under
 * {@code META-INF/services/org.pot4j.api.model.ModelBackendProvider}. It must be cheap to
 * construct: heavy native libraries load in {@link #create}, so a missing native library is
 * reported for this backend alone.
 *
 * <p>Its load options are a record {@code P} ({@link org.pot4j.api.param.Parameters}'s convention, as
 * for metrics and datasets): the engine binds a config's {@code model.options} (plus
 * {@code engine.threads} as {@code threads} when the record takes that key) to it when the config
 * loads, so a bad key fails before any model is loaded, and hands the typed record to
 * {@link ModelBackend#load(java.nio.file.Path, Record)}. A backend without options uses
 * {@link org.pot4j.api.param.NoParameters}.
 *
 * @param <P> the load-options record
 */
public interface ModelBackendProvider<P extends Record> {
    /** Unique backend name used in configs ({@code "onnx"}, {@code "tensorflow"}, {@code "djl"}). */
    String name();

    /** Version of the plugin (and of its runtime, e.g. {@code "0.1.0 (onnxruntime 1.29.0)"}). */
    String version();

    /**
     * The model files this backend opens, declared without loading its native runtime: used to ask
     * this backend first for such a file, and to name it in the "no backend" error when it cannot
     * start. Empty (the default) leaves the choice to {@link ModelBackend#accepts}.
     */
    default List<ModelFileKind> fileKinds() {
        return List.of();
    }

    /** The record the engine binds a model's load options to (also the backend-wide options of {@link #create}). */
    Class<P> loadOptions();

    /**
     * Creates the backend.
     *
     * @param options backend-wide options (the engine's {@code Pot4j.builder().backendOptions}, bound to
     *                {@link #loadOptions()}); null for the record's defaults
     */
    ModelBackend<P> create(P options);
}
