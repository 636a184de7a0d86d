package org.pot4j.backend.djl;

import java.util.List;
import org.pot4j.api.model.ModelBackend;
import org.pot4j.api.model.ModelBackendProvider;
import org.pot4j.api.model.ModelFileKind;

/**
 * The {@code djl} backend: TorchScript ({@code .pt}/{@code .pth} from {@code torch.jit.trace} or
 * {@code torch.jit.script}) run by libtorch through DJL's PyTorch engine. Cheap to construct;
 * libtorch starts in {@link #create}.
 */
public final class DjlBackendProvider implements ModelBackendProvider<DjlLoadOptions> {
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
    public Class<DjlLoadOptions> loadOptions() {
        return DjlLoadOptions.class;
    }

    /** Starts libtorch; of the backend-wide options only the threads apply (libtorch's are process-wide). */
    @Override
    public ModelBackend<DjlLoadOptions> create(DjlLoadOptions options) {
        DjlRuntime.engine();
        Integer threads = options == null ? null : options.intraOpThreads() != null ? options.intraOpThreads() : options.threads();
        if (threads != null && threads > 0) {
            DjlRuntime.setThreads(threads);
        }
        return new DjlBackend();
    }
}
