package org.pot4j.metrics;

import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.pot4j.api.metric.Metric;
import org.pot4j.api.metric.MetricProvider;

/**
 * {@code sentence_cosine}: cosine of pooled, L2-normalized sentence embeddings to the annotation's;
 * parameters {@code output_index} (default 0), {@code pooling} ({@code mean} default, or {@code cls}),
 * {@code mask_input} (e.g. {@code attention_mask}: mean over real tokens only) and {@code aggregate}
 * ({@code mean} default, or {@code min}: the worst sentence, reported as {@code sentence_cosine_min}).
 */
public final class SentenceCosineMetricProvider implements MetricProvider {
    private static final Set<String> PARAMS = Set.of("output_index", "pooling", "mask_input", "aggregate");

    @Override
    public String name() {
        return "sentence_cosine";
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
        SentenceCosineMetric.Pooling pooling = SentenceCosineMetric.Pooling.valueOf(
                p.string("pooling", "mean", Set.of("mean", "cls")).toUpperCase(Locale.ROOT));
        boolean min = p.string("aggregate", "mean", Set.of("mean", "min")).equals("min");
        return new SentenceCosineMetric(p.integer("output_index", 0, 0), pooling, p.string("mask_input", null, Set.of()), min);
    }
}
