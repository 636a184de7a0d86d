package org.pot4j.metrics;

import org.pot4j.api.metric.Metric;
import org.pot4j.api.metric.MetricProvider;
import org.pot4j.api.param.Range;

/** {@code cosine_similarity}: cosine to the annotation; parameters {@code output_index} (default 0) and {@code axis_mean} (default none: one flat cosine; an axis: mean of the cosines along it), {@code mask_input} (a model input such as {@code attention_mask}: mean per-token cosine over real tokens). */
public final class CosineSimilarityMetricProvider implements MetricProvider<CosineSimilarityMetricProvider.Params> {
    /**
     * @param outputIndex the model output compared with the annotation
     * @param axisMean    null: one cosine over the whole output; an axis (negative counts from the end): the mean of the cosines along it
     * @param maskInput   a model input such as {@code attention_mask}: mean per-token cosine over real tokens (null: all)
     */
    public record Params(@Range(min = 0) int outputIndex, Integer axisMean, String maskInput) {
        public Params {
            MetricInputs.checkMaskInput(maskInput);
        }
    }

    @Override
    public String name() {
        return "cosine_similarity";
    }

    @Override
    public String version() {
        return Versions.OF_THIS_JAR;
    }

    @Override
    public Class<CosineSimilarityMetricProvider.Params> parameters() {
        return CosineSimilarityMetricProvider.Params.class;
    }

    @Override
    public Metric create(CosineSimilarityMetricProvider.Params p) {
        return new CosineSimilarityMetric(p.outputIndex(), p.axisMean(), p.maskInput());
    }
}
