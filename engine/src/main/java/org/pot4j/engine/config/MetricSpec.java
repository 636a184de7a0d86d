package org.pot4j.engine.config;

import java.util.Map;
import java.util.Objects;

/**
 * A metric entry of {@code engine.metrics}.
 *
 * @param name   installed metric name ({@code accuracy}, {@code cosine_similarity}, ...)
 * @param params the metric's parameters (e.g. {@code top_k})
 */
public record MetricSpec(String name, Map<String, Object> params) {
    /** Validates and freezes. */
    public MetricSpec {
        Objects.requireNonNull(name, "name");
        params = JsonFiles.freezeMap(params);
    }
}
