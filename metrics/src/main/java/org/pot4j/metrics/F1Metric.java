package org.pot4j.metrics;

import java.util.List;
import java.util.Map;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.Tensor;
import org.pot4j.api.metric.Metric;

/**
 * Macro-averaged F1 of the arg-max class against the label: per class {@code 2TP / (2TP + FP + FN)},
 * averaged over the classes that occur as a label or a prediction (as scikit-learn's
 * {@code f1_score(average="macro")}).
 *
 * <p>F1 is a dataset-level value, so {@link #perSample()} is false: {@link #value()} is the macro F1
 * of the last sample alone (1 when it was right, 0 when wrong), and AccuracyAware ranks samples by
 * output distance instead.
 */
public final class F1Metric implements Metric {
    private static final String NAME = "f1";
    private long[] truePositives = new long[0];
    private long[] falsePositives = new long[0];
    private long[] falseNegatives = new long[0];
    private double lastValue = Double.NaN;

    @Override
    public Map<String, Double> value() {
        return Map.of(NAME, lastValue);
    }

    @Override
    public Map<String, Double> avgValue() {
        return Map.of(NAME, macroF1(truePositives, falsePositives, falseNegatives));
    }

    @Override
    public boolean perSample() {
        return false;
    }

    @Override
    public void update(List<Tensor> outputs, Object annotation) {
        Tensor scores = MetricInputs.singleOutput(NAME, outputs);
        int[] labels = MetricInputs.labels(NAME, annotation);
        int batch = scores.rank() >= 2 ? (int) scores.dim(0) : 1;
        if (batch != labels.length || batch == 0) {
            throw new Pot4jException(ErrorCode.METRIC_FAILED, "metric 'f1': output " + scores + " holds " + batch
                    + " score row(s) but the annotation " + labels.length + " label(s)");
        }
        int classes = scores.size() / batch;
        ensureClasses(classes);
        long[] tp = new long[classes];
        long[] fp = new long[classes];
        long[] fn = new long[classes];
        for (int b = 0; b < batch; b++) {
            int label = labels[b];
            if (label >= classes) {
                throw new Pot4jException(ErrorCode.METRIC_FAILED, "metric 'f1': label " + label + " is outside the "
                        + classes + " classes of output " + scores + "; fix the dataset's labels");
            }
            int predicted = argMax(scores, b * classes, classes);
            if (predicted == label) {
                tp[label]++;
            } else {
                fn[label]++;
                if (predicted >= 0) {
                    fp[predicted]++;
                }
            }
        }
        for (int c = 0; c < classes; c++) {
            truePositives[c] += tp[c];
            falsePositives[c] += fp[c];
            falseNegatives[c] += fn[c];
        }
        lastValue = macroF1(tp, fp, fn);
    }

    private void ensureClasses(int classes) {
        if (truePositives.length == 0) {
            truePositives = new long[classes];
            falsePositives = new long[classes];
            falseNegatives = new long[classes];
        } else if (truePositives.length != classes) {
            throw new Pot4jException(ErrorCode.METRIC_FAILED, "metric 'f1': the output now has " + classes
                    + " classes but had " + truePositives.length + " before; every sample must score the same classes");
        }
    }

    /** Index of the highest score; -1 when all are NaN (counts as no prediction). */
    private static int argMax(Tensor scores, int offset, int classes) {
        int best = -1;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < classes; c++) {
            double s = scores.getDouble(offset + c);
            if (!Double.isNaN(s) && (best < 0 || s > bestScore)) {
                best = c;
                bestScore = s;
            }
        }
        return best;
    }

    private static double macroF1(long[] tp, long[] fp, long[] fn) {
        double sum = 0;
        int present = 0;
        for (int c = 0; c < tp.length; c++) {
            long denominator = 2 * tp[c] + fp[c] + fn[c];
            if (denominator > 0) {
                sum += 2.0 * tp[c] / denominator;
                present++;
            }
        }
        return present == 0 ? Double.NaN : sum / present;
    }

    @Override
    public void reset() {
        truePositives = new long[0];
        falsePositives = new long[0];
        falseNegatives = new long[0];
        lastValue = Double.NaN;
    }

    @Override
    public Map<String, Map<String, String>> attributes() {
        return Map.of(NAME, Map.of("direction", "higher-better", "type", "f1"));
    }
}
