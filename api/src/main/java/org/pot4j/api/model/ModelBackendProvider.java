package org.pot4j.api.model;

import java.util.List;
import java.util.Map;

/**
 * The factory a backend plugin registers with {@link java.util.ServiceLoader} under
 * {@code META-INF/services/org.pot4j.api.model.ModelBackendProvider}. It must be cheap to
 * construct: heavy native libraries load in {@link #create}, so a missing native library is
 * reported for this backend alone.
 */
public interface ModelBackendProvider {
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

    /** Creates the backend with optional settings from the config's {@code engine} section. */
    ModelBackend create(Map<String, Object> options);
}
