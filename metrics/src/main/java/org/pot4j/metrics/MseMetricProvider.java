package org.pot4j.metrics;

import org.pot4j.api.metric.Metric;
import org.pot4j.api.metric.MetricProvider;
import org.pot4j.api.param.Range;

/** {@code mse}: mean squared error to the annotation; parameter {@code output_index} (default 0). */
public final class MseMetricProvider implements MetricProvider<MseMetricProvider.Params> {
    /** @param outputIndex the model output compared with the annotation */
    public record Params(@Range(min = 0) int outputIndex) {
    }

    @Override
    public String name() {
        return "mse";
    }

    @Override
    public String version() {
        return Versions.OF_THIS_JAR;
    }

    @Override
    public Class<MseMetricProvider.Params> parameters() {
        return MseMetricProvider.Params.class;
    }

    @Override
    public Metric create(MseMetricProvider.Params p) {
        return new MseMetric(p.outputIndex());
    }
}
