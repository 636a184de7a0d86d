package org.pot4j.metrics;

import org.pot4j.api.metric.Metric;
import org.pot4j.api.metric.MetricProvider;
import org.pot4j.api.param.Range;

/** {@code accuracy}: top-k accuracy; parameter {@code top_k} (default 1). */
public final class AccuracyMetricProvider implements MetricProvider<AccuracyMetricProvider.Params> {
    /** @param topK a sample counts when its label is among the k highest scores */
    public record Params(@Range(min = 1) int topK) {
        static Params defaults() {
            return new Params(1);
        }
    }

    @Override
    public String name() {
        return "accuracy";
    }

    @Override
    public String version() {
        return Versions.OF_THIS_JAR;
    }

    @Override
    public Class<AccuracyMetricProvider.Params> parameters() {
        return AccuracyMetricProvider.Params.class;
    }

    @Override
    public Metric create(AccuracyMetricProvider.Params p) {
        return new AccuracyMetric(p.topK());
    }
}
