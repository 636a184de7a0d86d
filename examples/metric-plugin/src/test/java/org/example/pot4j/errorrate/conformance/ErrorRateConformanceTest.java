package org.example.pot4j.errorrate.conformance;

import java.util.List;
import java.util.Map;
import org.example.pot4j.errorrate.ErrorRateMetricProvider;
import org.pot4j.api.metric.MetricProvider;
import org.pot4j.api.param.NoParameters;
import org.pot4j.testkit.AbstractMetricTest;

/**
 * pot4j's conformance suite for metric plugins (needs pot4j-testkit: {@code mvn package -Pconformance}).
 * The expectations are computed by hand: two of the three samples are right.
 */
class ErrorRateConformanceTest extends AbstractMetricTest<NoParameters> {
    @Override
    protected MetricProvider<NoParameters> provider() {
        return new ErrorRateMetricProvider();
    }

    @Override
    protected List<MetricCase> cases() {
        return List.of(
                MetricCase.of(row(0.1f, 0.9f), 1, "error_rate", 0.0),
                MetricCase.of(row(0.8f, 0.2f), 1, "error_rate", 1.0),
                MetricCase.of(row(0.3f, 0.7f), 1, "error_rate", 0.0));
    }

    @Override
    protected Map<String, Double> expectedAverage() {
        return Map.of("error_rate", 1.0 / 3);
    }
}
