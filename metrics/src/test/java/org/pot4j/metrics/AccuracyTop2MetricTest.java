package org.pot4j.metrics;

import java.util.List;
import java.util.Map;
import org.pot4j.api.metric.MetricProvider;
import org.pot4j.testkit.AbstractMetricTest;

/** The conformance suite again with {@code top_k: 2}, so the parameter path is covered too. */
class AccuracyTop2MetricTest extends AbstractMetricTest<AccuracyMetricProvider.Params> {
    private static final String KEY = "accuracy@top2";

    @Override
    protected MetricProvider<AccuracyMetricProvider.Params> provider() {
        return new AccuracyMetricProvider();
    }

    @Override
    protected AccuracyMetricProvider.Params params() {
        return new AccuracyMetricProvider.Params(2);
    }

    @Override
    protected List<MetricCase> cases() {
        return List.of(
                MetricCase.of(row(0.1f, 0.3f, 0.2f, 0.4f), 2, KEY, 0.0),
                MetricCase.of(row(0.1f, 0.3f, 0.2f, 0.4f), 1, KEY, 1.0),
                MetricCase.of(row(0.6f, 0.3f, 0.05f, 0.05f), 0, KEY, 1.0));
    }

    @Override
    protected Map<String, Double> expectedAverage() {
        return Map.of(KEY, 2.0 / 3.0);
    }
}
