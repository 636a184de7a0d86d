package org.pot4j.metrics;

import java.util.Map;
import java.util.Set;
import org.pot4j.api.metric.Metric;
import org.pot4j.api.metric.MetricProvider;

/** {@code nmse}: {@code ||y - ref||^2 / ||ref||^2} to the annotation; parameter {@code output_index} (default 0). */
public final class NmseMetricProvider implements MetricProvider {
    private static final Set<String> PARAMS = Set.of("output_index", "mask_input");

    @Override
    public String name() {
        return "nmse";
    }

    @Override
    public String version() {
        return Versions.OF_THIS_JAR;
    }

    @Override
    public Set<String> parameterNames() {
        return PARAMS;
    }

    @Override
    public Metric create(Map<String, Object> params) {
        MetricParams p = MetricParams.check(name(), params, PARAMS);
        return new NmseMetric(p.integer("output_index", 0, 0), p.string("mask_input", null, Set.of()));
    }
}
