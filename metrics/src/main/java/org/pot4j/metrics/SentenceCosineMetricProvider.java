package org.pot4j.metrics;

import org.pot4j.api.metric.Metric;
import org.pot4j.api.metric.MetricProvider;
import java.util.List;
import java.util.Locale;
import org.pot4j.api.param.Range;

/**
 * {@code sentence_cosine}: cosine of pooled, L2-normalized sentence embeddings to the annotation's;
 * parameters {@code output_index} (default 0), {@code pooling} ({@code mean} default, or {@code cls}),
 * {@code mask_input} (e.g. {@code attention_mask}: mean over real tokens only) and {@code aggregate}
 * ({@code mean} default, or {@code min}: the worst sentence, reported as {@code sentence_cosine_min}).
 */
public final class SentenceCosineMetricProvider implements MetricProvider<SentenceCosineMetricProvider.Params> {
    /**
     * @param outputIndex the model output holding the token embeddings
     * @param pooling     {@code mean} or {@code cls}
     * @param maskInput   a model input such as {@code attention_mask} (null: every token)
     * @param aggregate   {@code mean} or {@code min}
     */
    public record Params(@Range(min = 0) int outputIndex, String pooling, String maskInput, String aggregate) {
        static Params defaults() {
            return new Params(0, "mean", null, "mean");
        }

        public Params {
            if (!List.of("mean", "cls").contains(pooling)) {
                throw new IllegalArgumentException("pooling must be one of cls, mean, got '" + pooling + "'");
            }
            if (!List.of("mean", "min").contains(aggregate)) {
                throw new IllegalArgumentException("aggregate must be one of mean, min, got '" + aggregate + "'");
            }
            MetricInputs.checkMaskInput(maskInput);
        }
    }

    @Override
    public String name() {
        return "sentence_cosine";
    }

    @Override
    public String version() {
        return Versions.OF_THIS_JAR;
    }

    @Override
    public Class<SentenceCosineMetricProvider.Params> parameters() {
        return SentenceCosineMetricProvider.Params.class;
    }

    @Override
    public Metric create(SentenceCosineMetricProvider.Params p) {
        return new SentenceCosineMetric(p.outputIndex(),
                SentenceCosineMetric.Pooling.valueOf(p.pooling().toUpperCase(Locale.ROOT)), p.maskInput(),
                p.aggregate().equals("min"));
    }
}
