package org.pot4j.engine.config;

import java.util.Map;
import java.util.Objects;

/**
 * An entry of {@code compression.algorithms}.
 *
 * @param name   the algorithm ({@code DefaultQuantization}, {@code AccuracyAwareQuantization}, ...)
 * @param params its parameters, POT names in snake_case; only the top-level names are checked here,
 *               nested objects ({@code activations}, {@code weights}, {@code ignored}) are the algorithm's
 */
public record AlgorithmSpec(String name, Map<String, Object> params) {
    /** Validates and freezes. */
    public AlgorithmSpec {
        Objects.requireNonNull(name, "name");
        params = JsonFiles.freezeMap(params);
    }
}
