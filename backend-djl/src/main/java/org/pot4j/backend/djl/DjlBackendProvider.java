package org.pot4j.backend.djl;

import java.util.List;
import java.util.Map;
import org.pot4j.api.model.ModelBackend;
import org.pot4j.api.model.ModelBackendProvider;
import org.pot4j.api.model.ModelFileKind;

/**
 * The {@code djl} backend: TorchScript ({@code .pt}/{@code .pth} from {@code torch.jit.trace} or
 * {@code torch.jit.script}) run by libtorch through DJL's PyTorch engine. Cheap to construct;
 * libtorch starts in {@link #create}.
 */
public final class DjlBackendProvider implements ModelBackendProvider {
    /** The backend name configs use. */
    public static final String NAME = "djl";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<ModelFileKind> fileKinds() {
        return List.of(new ModelFileKind("TorchScript archive", List.of(".pt", ".pth", ".torchscript"), false));
    }

    @Override
    public String version() {
        return "0.1.0 (DJL " + DjlRuntime.DJL_VERSION + ", PyTorch " + DjlRuntime.PYTORCH_VERSION + ")";
    }

    @Override
    public ModelBackend create(Map<String, Object> options) {
        DjlRuntime.engine();
        Object threads = options == null ? null : options.get("threads");
        if (threads instanceof Number n && n.intValue() > 0) {
            DjlRuntime.setThreads(n.intValue());
        }
        return new DjlBackend();
    }
}
