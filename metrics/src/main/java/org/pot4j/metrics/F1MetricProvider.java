package org.pot4j.metrics;

import java.util.Map;
import java.util.Set;
import org.pot4j.api.metric.Metric;
import org.pot4j.api.metric.MetricProvider;

/** {@code f1}: macro-averaged F1 of the arg-max class; no parameters. */
public final class F1MetricProvider implements MetricProvider {
    private static final Set<String> PARAMS = Set.of();

    @Override
    public String name() {
        return "f1";
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
        MetricParams.check(name(), params, PARAMS);
        return new F1Metric();
    }
}
