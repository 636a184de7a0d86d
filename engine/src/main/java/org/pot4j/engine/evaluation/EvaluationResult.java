package org.pot4j.engine.evaluation;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pot4j.api.Tensor;

/**
 * What one evaluation pass measured: for each metric key the aggregate value and the per-sample
 * values (aligned with {@link #indices()}), and optionally the model outputs and their distance to
 * reference outputs.
 */
public final class EvaluationResult {
    private final int[] indices;
    private final List<MetricKey> keys;
    private final Map<String, Double> aggregate;
    private final Map<String, double[]> perSample;
    private final List<List<Tensor>> outputs;
    private final double[] distances;
    private final double seconds;

    EvaluationResult(int[] indices, List<MetricKey> keys, Map<String, Double> aggregate, Map<String, double[]> perSample,
            List<List<Tensor>> outputs, double[] distances, double seconds) {
        this.indices = indices.clone();
        this.keys = List.copyOf(keys);
        this.aggregate = Collections.unmodifiableMap(new LinkedHashMap<>(aggregate));
        this.perSample = Collections.unmodifiableMap(new LinkedHashMap<>(perSample));
        this.outputs = outputs == null ? null : Collections.unmodifiableList(outputs);
        this.distances = distances;
        this.seconds = seconds;
    }

    /** A result assembled by callers that evaluate without this package's passes (validation functions). */
    public static EvaluationResult of(int[] indices, List<MetricKey> keys, Map<String, Double> aggregate,
            Map<String, double[]> perSample, List<List<Tensor>> outputs, double[] distances, double seconds) {
        return new EvaluationResult(indices, keys, aggregate, perSample, outputs, distances, seconds);
    }

    /** Dataset indices evaluated, in evaluation order (a copy). */
    public int[] indices() {
        return indices.clone();
    }

    /** Number of samples evaluated. */
    public int size() {
        return indices.length;
    }

    /** The metric keys, in metric order then key order. */
    public List<MetricKey> keys() {
        return keys;
    }

    /** The key named {@code name}, or null. */
    public MetricKey key(String name) {
        for (MetricKey k : keys) {
            if (k.name().equals(name)) {
                return k;
            }
        }
        return null;
    }

    /** Aggregate ({@code avgValue}) per key, computed in sample order. */
    public Map<String, Double> aggregate() {
        return aggregate;
    }

    /** Per-sample values of {@code key}, aligned with {@link #indices()} (read-only by contract), or null. */
    public double[] perSample(String key) {
        return perSample.get(key);
    }

    /** Model outputs per evaluated sample (batch dimension 1), or null when they were not kept. */
    public List<List<Tensor>> outputs() {
        return outputs;
    }

    /** NMSE to the reference outputs per sample (NaN where no reference was given), or null. */
    public double[] distances() {
        return distances;
    }

    /** Wall time of the pass in seconds. */
    public double seconds() {
        return seconds;
    }

    @Override
    public String toString() {
        return "EvaluationResult[" + indices.length + " samples, " + aggregate + ", "
                + (distances == null ? "" : "distances, ") + String.format("%.2fs]", seconds)
                + (indices.length < 4 ? Arrays.toString(indices) : "");
    }
}
