package org.pot4j.engine.config;

import java.util.List;
import java.util.Objects;

/**
 * The {@code compression} section.
 *
 * @param targetDevice {@code target_device}: {@code ANY} (default) or {@code CPU}; passed to each
 *                     algorithm that takes a {@code target_device} parameter and was not given one
 * @param algorithms   {@code algorithms}, run in order (POT's pipeline); default one
 *                     {@code DefaultQuantization} with its defaults
 */
public record CompressionSpec(String targetDevice, List<AlgorithmSpec> algorithms) {
    /** Validates and copies. */
    public CompressionSpec {
        Objects.requireNonNull(targetDevice, "targetDevice");
        algorithms = List.copyOf(algorithms);
    }
}
