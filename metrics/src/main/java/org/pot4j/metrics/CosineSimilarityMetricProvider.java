package org.pot4j.metrics;

import java.util.Map;
import java.util.Set;
import org.pot4j.api.metric.Metric;
import org.pot4j.api.metric.MetricProvider;

/** {@code cosine_similarity}: cosine to the annotation; parameters {@code output_index} (default 0) and {@code axis_mean} (default none: one flat cosine; an axis: mean of the cosines along it), {@code mask_input} (a model input such as {@code attention_mask}: mean per-token cosine over real tokens). */
public final class CosineSimilarityMetricProvider implements MetricProvider {
    private static final Set<String> PARAMS = Set.of("output_index", "axis_mean", "mask_input");

    @Override
    public String name() {
        return "cosine_similarity";
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
        return new CosineSimilarityMetric(p.integer("output_index", 0, 0), p.optionalInteger("axis_mean"),
                p.string("mask_input", null, Set.of()));
    }
}
