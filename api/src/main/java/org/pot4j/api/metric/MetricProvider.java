package org.pot4j.api.metric;

import java.util.Map;
import java.util.Set;

/**
 * ServiceLoader factory of a metric ({@code META-INF/services/org.pot4j.api.metric.MetricProvider}).
 * A jar with one of these, dropped into {@code plugins/}, adds a metric configs can name.
 */
public interface MetricProvider {
    /** The name configs use, e.g. {@code "accuracy"}. */
    String name();

    /** Plugin version. */
    default String version() {
        return "unknown";
    }

    /** Parameter names {@link #create} accepts (e.g. {@code top_k}); others are rejected. */
    Set<String> parameterNames();

    /**
     * A new, reset metric.
     *
     * @throws org.pot4j.api.Pot4jException {@code UNKNOWN_METRIC} for bad parameters
     */
    Metric create(Map<String, Object> params);
}
