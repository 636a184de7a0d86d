package org.pot4j.backend.onnx;

import java.util.List;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.model.ModelBackend;
import org.pot4j.api.model.ModelBackendProvider;
import org.pot4j.api.model.ModelFileKind;

/**
 * ServiceLoader entry of the {@code onnx} backend. Cheap to construct: ONNX Runtime's native library
 * is loaded only by {@link #create}.
 */
public final class OnnxBackendProvider implements ModelBackendProvider<OnnxLoadOptions> {
    /** The backend name configs use. */
    public static final String NAME = "onnx";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<ModelFileKind> fileKinds() {
        return List.of(new ModelFileKind("ONNX model", List.of(".onnx"), false));
    }

    @Override
    public String version() {
        return OnnxVersions.pot4j() + " (onnxruntime " + OnnxVersions.onnxRuntime() + ")";
    }

    @Override
    public Class<OnnxLoadOptions> loadOptions() {
        return OnnxLoadOptions.class;
    }

    @Override
    public ModelBackend<OnnxLoadOptions> create(OnnxLoadOptions options) {
        OnnxEnvironment.Shared env;
        try {
            env = OnnxEnvironment.get();
        } catch (RuntimeException | LinkageError e) {
            throw new Pot4jException(ErrorCode.PLUGIN_LOAD_FAILED, "the onnx backend cannot load ONNX Runtime "
                    + OnnxVersions.onnxRuntime() + " (" + e.getMessage() + "); is this platform supported by onnxruntime?", e);
        }
        return new OnnxBackend(env.env(), options, env.sharedPool());
    }
}
