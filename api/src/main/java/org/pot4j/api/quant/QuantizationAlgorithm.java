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

    /** Runs the algorithm on {@code model}. */
    QuantizationResult run(Model model, AlgorithmContext context);
}
