package org.example.pot4j.errorrate;

import java.util.Map;
import java.util.Set;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.metric.Metric;
import org.pot4j.api.metric.MetricProvider;

/**
 * Makes {@code error_rate} available to pot4j configs. pot4j finds this class through
 * {@code META-INF/services/org.pot4j.api.metric.MetricProvider} when the jar is in {@code plugins/}.
 */
public final class ErrorRateMetricProvider implements MetricProvider {
    @Override
    public String name() {
        return ErrorRateMetric.NAME;
    }

    @Override
    public String version() {
        return "1.0.0";
    }

    @Override
    public Set<String> parameterNames() {
        return Set.of();
    }

    @Override
    public Metric create(Map<String, Object> params) {
        if (params != null && !params.isEmpty()) {
            // reject instead of ignoring: a misspelt key in a config must not pass silently
            throw new Pot4jException(ErrorCode.UNKNOWN_METRIC, "metric '" + name() + "' has no parameter '"
                    + params.keySet().iterator().next() + "'; valid parameters: (none)");
        }
        return new ErrorRateMetric();
    }
}
