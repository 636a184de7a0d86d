package org.pot4j.engine.algorithms;

import java.util.EnumSet;
import java.util.Set;
import org.pot4j.api.model.BackendCapability;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.ModelBackend;
import org.pot4j.api.quant.AlgorithmContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the backend of a model can do, as algorithms see it. The engine offers the model's
 * {@link ModelBackend} as the {@code AlgorithmContext} service of that type; when it is not offered
 * (a bare context in a library call), every feature is assumed (what the bundled backends support)
 * and no limitation ({@link BackendCapability#SATURATING_INT8_KERNELS}).
 */
public final class BackendCapabilities {
    private static final Logger LOG = LoggerFactory.getLogger(BackendCapabilities.class);

    private BackendCapabilities() {
    }

    /** The capabilities of the backend that loaded {@code model}. */
    public static Set<BackendCapability> of(AlgorithmContext context, Model model) {
        try {
            ModelBackend<?> backend = context.service(ModelBackend.class);
            if (backend != null && (model == null || backend.name().equals(model.backendName()))) {
                return EnumSet.copyOf(backend.capabilities().isEmpty() ? EnumSet.noneOf(BackendCapability.class) : backend.capabilities());
            }
        } catch (RuntimeException e) {
            LOG.debug("no ModelBackend service ({}); assuming every feature", e.getMessage());
        }
        return assumed();
    }

    /** What is assumed without a backend: every feature, no limitation. */
    public static Set<BackendCapability> assumed() {
        EnumSet<BackendCapability> all = EnumSet.allOf(BackendCapability.class);
        all.remove(BackendCapability.SATURATING_INT8_KERNELS);
        return all;
    }
}
