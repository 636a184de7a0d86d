package org.pot4j.metrics;

import java.util.Map;
import java.util.Set;
import org.pot4j.api.metric.Metric;
import org.pot4j.api.metric.MetricProvider;

/** {@code accuracy}: top-k accuracy; parameter {@code top_k} (default 1). */
public final class AccuracyMetricProvider implements MetricProvider {
    private static final Set<String> PARAMS = Set.of("top_k");

    @Override
    public String name() {
        return "accuracy";
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
        return new AccuracyMetric(p.integer("top_k", 1, 1));
    }
}
