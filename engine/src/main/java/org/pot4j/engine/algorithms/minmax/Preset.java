package org.pot4j.engine.algorithms.minmax;

import java.util.Locale;

/** POT's quantization presets. */
public enum Preset {
    /** Symmetric weights and symmetric activations (non-negative activations unsigned). */
    PERFORMANCE,
    /** Symmetric weights and asymmetric activations (uint8 with a zero point). */
    MIXED;

    /** The config spelling. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** True when this preset quantizes activations symmetrically. */
    public boolean symmetricActivations() {
        return this == PERFORMANCE;
    }
}
