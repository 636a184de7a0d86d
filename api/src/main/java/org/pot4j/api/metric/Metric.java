package org.pot4j.api.metric;

import java.util.List;
import java.util.Map;
import org.pot4j.api.Tensor;

/**
 * An accuracy metric with exactly the contract of POT's {@code openvino.tools.pot.Metric}.
 *
 * <p>The engine calls {@link #update} once per sample, with the model outputs (in model output
 * order, each with a leading batch dimension of 1), the sample's annotation and its metadata. After
 * each call {@link #value()} is that sample's value, which AccuracyAware uses to rank samples and
 * layers (POT's {@code value} may hold a per-sample list for the last batch; the engine's metric
 * batches hold one sample, so that list is this one value); {@link #avgValue()} is the value over
 * all samples since {@link #reset()}.
 */
public interface Metric {
    /** Metric value for the last model output: {@code {name: value}}. */
    Map<String, Double> value();

    /** Metric value over all outputs since the last reset: {@code {name: value}}. */
    Map<String, Double> avgValue();

    /** True when a higher value means a better model (the default). */
    default boolean higherBetter() {
        return true;
    }

    /**
     * Adds one sample's result. Model-specific post-processing of raw outputs goes here.
     *
     * @param outputs    model outputs, batch dimension 1
     * @param annotation the sample's annotation
     */
    void update(List<Tensor> outputs, Object annotation);

    /**
     * POT's {@code (data, annotation, metadata)} form: the engine calls this one, with the
     * sample's metadata (never null, empty when the dataset has none). The default ignores the
     * metadata and calls {@link #update(List, Object)}, so metrics written against the
     * two-argument form keep working; override it when post-processing needs the metadata
     * (e.g. original image size, ids).
     *
     * @param outputs    model outputs, batch dimension 1
     * @param annotation the sample's annotation
     * @param metadata   the sample's {@link org.pot4j.api.data.Sample#metadata()}
     */
    default void update(List<Tensor> outputs, Object annotation, Map<String, Object> metadata) {
        update(outputs, annotation);
    }

    /** Forgets everything collected. */
    void reset();

    /**
     * Metric attributes {@code {metric_name: {attribute_name: value}}}; required attributes are
     * {@code direction} ({@code higher-better} or {@code higher-worse}) and {@code type}.
     */
    Map<String, Map<String, String>> attributes();

    /**
     * True when {@link #value()} after one update is a meaningful per-sample value (accuracy,
     * distance); false for dataset-level metrics such as F1, which AccuracyAware then ranks by
     * the normalized output distance instead.
     */
    default boolean perSample() {
        return true;
    }
}
