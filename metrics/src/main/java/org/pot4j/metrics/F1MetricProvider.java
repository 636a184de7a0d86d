package org.pot4j.metrics;

import org.pot4j.api.metric.Metric;
import org.pot4j.api.metric.MetricProvider;
import org.pot4j.api.param.NoParameters;

/** {@code f1}: macro-averaged F1 of the arg-max class; no parameters. */
public final class F1MetricProvider implements MetricProvider<NoParameters> {
    @Override
    public String name() {
        return "f1";
    }

    @Override
    public String version() {
        return Versions.OF_THIS_JAR;
    }

    @Override
    public Class<NoParameters> parameters() {
        return NoParameters.class;
    }

    @Override
    public Metric create(NoParameters p) {
        return new F1Metric();
    }
}
