package org.pot4j.metrics;

import org.pot4j.api.metric.Metric;
import org.pot4j.api.metric.MetricProvider;
import org.pot4j.api.param.Range;

/** {@code nmse}: {@code ||y - ref||^2 / ||ref||^2} to the annotation; parameters {@code output_index} (default 0), {@code mask_input}. */
public final class NmseMetricProvider implements MetricProvider<NmseMetricProvider.Params> {
    /**
     * @param outputIndex the model output compared with the annotation
     * @param maskInput   a model input such as {@code attention_mask}: only real tokens count (null: all)
     */
    public record Params(@Range(min = 0) int outputIndex, String maskInput) {
        public Params {
            MetricInputs.checkMaskInput(maskInput);
        }
    }

    @Override
    public String name() {
        return "nmse";
    }

    @Override
    public String version() {
        return Versions.OF_THIS_JAR;
    }

    @Override
    public Class<NmseMetricProvider.Params> parameters() {
        return NmseMetricProvider.Params.class;
    }

    @Override
    public Metric create(NmseMetricProvider.Params p) {
        return new NmseMetric(p.outputIndex(), p.maskInput());
    }
}
