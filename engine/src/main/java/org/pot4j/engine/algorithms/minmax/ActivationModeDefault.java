package org.pot4j.engine.algorithms.minmax;

import java.util.Set;
import org.pot4j.api.model.BackendCapability;

/**
 * Whether the inputs of linear layers are quantized statically or at run time when the config does
 * not say ({@code activations.mode} unset). Decided by measurement, see the MiniLM example's README.
 */
final class ActivationModeDefault {
    private ActivationModeDefault() {
    }

    /** True when a model of this kind, on a backend with these capabilities, gets dynamic activations by default. */
    static boolean dynamic(boolean transformer, Set<BackendCapability> caps) {
        return false;
    }
}
