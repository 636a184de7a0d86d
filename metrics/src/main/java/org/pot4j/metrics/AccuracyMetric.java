package org.pot4j.metrics;

import java.util.List;
import java.util.Map;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.Tensor;
import org.pot4j.api.metric.Metric;

/**
 * Top-k classification accuracy, POT's {@code Accuracy} example metric: a sample matches when its
 * label is among the k highest scores of the single model output. Named {@code accuracy@top<k>}.
 *
 * <p>The output holds one score row per batch item (leading dimension); the annotation holds one
 * label per item. Ties count in the label's favour: a label matches when fewer than k classes
 * score strictly higher, so the result does not depend on sort order. A NaN score for the label
 * is a miss.
 */
public final class AccuracyMetric implements Metric {
    private final int topK;
    private final String name;
    private double lastValue = Double.NaN;
    private double matches;
    private long items;

    /** @param topK how many of the highest scores may hold the label, at least 1 */
    public AccuracyMetric(int topK) {
        if (topK < 1) {
            throw new IllegalArgumentException("top_k must be >= 1");
        }
        this.topK = topK;
        this.name = "accuracy@top" + topK;
    }

    @Override
    public Map<String, Double> value() {
        return Map.of(name, lastValue);
    }

    @Override
    public Map<String, Double> avgValue() {
        return Map.of(name, items == 0 ? Double.NaN : matches / items);
    }

    @Override
    public void update(List<Tensor> outputs, Object annotation) {
        Tensor scores = MetricInputs.singleOutput(name, outputs);
        int[] labels = MetricInputs.labels(name, annotation);
        int batch = scores.rank() >= 2 ? (int) scores.dim(0) : 1;
        if (batch != labels.length || batch == 0) {
            throw new Pot4jException(ErrorCode.METRIC_FAILED, "metric '" + name + "': output " + scores + " holds "
                    + batch + " score row(s) but the annotation " + labels.length + " label(s)");
        }
        int classes = scores.size() / batch;
        if (topK > classes) {
            throw new Pot4jException(ErrorCode.METRIC_FAILED, "metric '" + name + "': top_k " + topK
                    + " is more than the " + classes + " classes of output " + scores + "; lower top_k");
        }
        int hit = 0;
        for (int b = 0; b < batch; b++) {
            int label = labels[b];
            if (label >= classes) {
                throw new Pot4jException(ErrorCode.METRIC_FAILED, "metric '" + name + "': label " + label
                        + " is outside the " + classes + " classes of output " + scores + "; fix the dataset's labels");
            }
            if (matches(scores, b * classes, classes, label)) {
                hit++;
            }
        }
        lastValue = (double) hit / batch;
        matches += hit;
        items += batch;
    }

    private boolean matches(Tensor scores, int offset, int classes, int label) {
        double target = scores.getDouble(offset + label);
        if (Double.isNaN(target)) {
            return false;
        }
        int higher = 0;
        for (int c = 0; c < classes && higher < topK; c++) {
            if (scores.getDouble(offset + c) > target) {
                higher++;
            }
        }
        return higher < topK;
    }

    @Override
    public void reset() {
        lastValue = Double.NaN;
        matches = 0;
        items = 0;
    }

    @Override
    public Map<String, Map<String, String>> attributes() {
        return Map.of(name, Map.of("direction", "higher-better", "type", "accuracy"));
    }
}
