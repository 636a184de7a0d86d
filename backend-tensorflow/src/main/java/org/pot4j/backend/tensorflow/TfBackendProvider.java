package org.pot4j.backend.tensorflow;

import java.util.List;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.model.ModelBackend;
import org.pot4j.api.model.ModelBackendProvider;
import org.pot4j.api.model.ModelFileKind;

/**
 * Registers the {@code tensorflow} backend with {@link java.util.ServiceLoader}. Cheap to
 * construct: TensorFlow's native library loads in {@link #create}, so a machine without it only
 * loses this backend.
 */
public final class TfBackendProvider implements ModelBackendProvider<TfLoadOptions> {
    /** The backend name used in configs. */
    public static final String NAME = "tensorflow";
    /** Version of this plugin and of the runtime it was built against. */
    public static final String VERSION = "0.1.0 (TensorFlow Java 1.1.0, TensorFlow 2.18)";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<ModelFileKind> fileKinds() {
        return List.of(new ModelFileKind("TensorFlow SavedModel folder or frozen GraphDef", List.of(".pb"), true));
    }

    @Override
    public String version() {
        return VERSION;
    }

    @Override
    public Class<TfLoadOptions> loadOptions() {
        return TfLoadOptions.class;
    }

    @Override
    public ModelBackend<TfLoadOptions> create(TfLoadOptions options) {
        TfBackend backend = new TfBackend(options);
        try {
            org.tensorflow.TensorFlow.version();
        } catch (LinkageError | RuntimeException e) {
            throw new Pot4jException(ErrorCode.PLUGIN_LOAD_FAILED, "the tensorflow backend cannot load TensorFlow's native library ("
                    + TfErrors.firstLine(e) + "); it needs Linux x86-64 with glibc and AVX", e);
        }
        return backend;
    }
}
