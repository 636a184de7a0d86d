package org.example.pot4j.errorrate;

import org.pot4j.api.metric.Metric;
import org.pot4j.api.metric.MetricProvider;
import org.pot4j.api.param.NoParameters;

/**
 * Makes {@code error_rate} available to pot4j configs. pot4j finds this class through
 * {@code META-INF/services/org.pot4j.api.metric.MetricProvider} when the jar is in {@code plugins/}.
 * It takes no parameters ({@link NoParameters}): pot4j rejects any key a config gives it, with the
 * valid keys, when the config loads. A metric with parameters declares a record instead, e.g.
 * {@code record Params(@Range(min = 1) int topK) { static Params defaults() { return new Params(1); } }}.
 */
public final class ErrorRateMetricProvider implements MetricProvider<NoParameters> {
    @Override
    public String name() {
        return ErrorRateMetric.NAME;
    }

    @Override
    public String version() {
        return "1.0.0";
    }

    @Override
    public Class<NoParameters> parameters() {
        return NoParameters.class;
    }

    @Override
    public Metric create(NoParameters params) {
        return new ErrorRateMetric();
    }
}
