package org.pot4j.api.quant;

/**
 * ServiceLoader factory of a third-party algorithm
 * ({@code META-INF/services/org.pot4j.api.quant.QuantizationAlgorithmProvider}).
 */
public interface QuantizationAlgorithmProvider {
    /** The algorithm name configs use. */
    String name();

    /** Plugin version. */
    default String version() {
        return "unknown";
    }

    /** A new algorithm instance. */
    QuantizationAlgorithm create();
}
