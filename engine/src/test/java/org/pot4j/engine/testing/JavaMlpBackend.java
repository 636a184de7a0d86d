package org.pot4j.engine.testing;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.model.BackendCapability;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.ModelBackend;
import org.pot4j.api.param.NoParameters;

/**
 * The backend of {@link JavaMlpModel}: models are built in code, not loaded; its capabilities can
 * be narrowed to test how algorithms adapt to a weaker backend.
 */
public final class JavaMlpBackend implements ModelBackend<NoParameters> {
    /** Backend name. */
    public static final String NAME = "java-mlp";

    private final Set<BackendCapability> capabilities;

    /** A backend with every feature capability (and without the SATURATING_INT8_KERNELS limitation). */
    public JavaMlpBackend() {
        this(features());
    }

    /** A backend with the given capabilities. */
    public JavaMlpBackend(Set<BackendCapability> capabilities) {
        this.capabilities = capabilities.isEmpty() ? EnumSet.noneOf(BackendCapability.class) : EnumSet.copyOf(capabilities);
    }

    /** A backend with every feature capability except {@code missing}. */
    public static JavaMlpBackend without(BackendCapability... missing) {
        EnumSet<BackendCapability> c = features();
        for (BackendCapability m : missing) {
            c.remove(m);
        }
        return new JavaMlpBackend(c);
    }

    /** Every capability that is a feature; SATURATING_INT8_KERNELS describes a limitation instead. */
    private static EnumSet<BackendCapability> features() {
        EnumSet<BackendCapability> c = EnumSet.allOf(BackendCapability.class);
        c.remove(BackendCapability.SATURATING_INT8_KERNELS);
        return c;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<BackendCapability> capabilities() {
        return EnumSet.copyOf(capabilities);
    }

    @Override
    public boolean accepts(Path path) {
        return false;
    }

    @Override
    public Model load(Path path, NoParameters options) {
        throw new Pot4jException(ErrorCode.MODEL_UNSUPPORTED, "java-mlp models are built in code, not loaded from " + path);
    }
}
