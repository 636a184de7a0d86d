package org.pot4j.api.quant;

import java.util.Set;
import org.pot4j.api.model.Model;

/**
 * A quantization algorithm written once against the backend-neutral {@link Model}: it reads the
 * graph view, runs the model through {@link Model#compile}, and returns a plan.
 */
public interface QuantizationAlgorithm {
    /** Name as used in configs, e.g. {@code "DefaultQuantization"}. */
    String name();

    /** Parameter names (snake_case) the algorithm accepts; configs with others are rejected. */
    Set<String> parameterNames();

    /**
     * Checks parameter values (types and ranges) without running anything, so a config with a bad
     * value fails when it loads, before any output is written. The default accepts everything.
     *
     * @throws org.pot4j.api.Pot4jException {@code CONFIG_INVALID} naming the key, the value and the valid range
     */
    default void checkParameters(java.util.Map<String, Object> params) {
    }

    /** Runs the algorithm on {@code model}. */
    QuantizationResult run(Model model, AlgorithmContext context);
}
