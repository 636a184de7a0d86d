package org.pot4j.engine.algorithms.accuracyaware;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.pot4j.api.Tensor;
import org.pot4j.api.metric.Metric;

/** Metrics written against the api alone, as a plugin author would. */
final class TestMetrics {
    private TestMetrics() {
    }

    static int argmax(Tensor logits) {
        int best = 0;
        for (int c = 1; c < logits.size(); c++) {
            if (logits.getDouble(c) > logits.getDouble(best)) {
                best = c;
            }
        }
        return best;
    }

    /** Top-1 accuracy, POT's example metric. */
    static class Accuracy implements Metric {
        private final List<Double> matches = new ArrayList<>();

        @Override
        public Map<String, Double> value() {
            return Map.of("accuracy@top1", matches.get(matches.size() - 1));
        }

        @Override
        public Map<String, Double> avgValue() {
            return Map.of("accuracy@top1", matches.stream().mapToDouble(d -> d).average().orElse(Double.NaN));
        }

        @Override
        public void update(List<Tensor> outputs, Object annotation) {
            matches.add(argmax(outputs.get(0)) == (Integer) annotation ? 1.0 : 0.0);
        }

        @Override
        public void reset() {
            matches.clear();
        }

        @Override
        public Map<String, Map<String, String>> attributes() {
            return Map.of("accuracy@top1", Map.of("direction", "higher-better", "type", "accuracy"));
        }
    }

    /** Error rate: a higher-worse metric (direction from higherBetter() and the attributes). */
    static final class ErrorRate implements Metric {
        private final List<Double> errors = new ArrayList<>();

        @Override
        public Map<String, Double> value() {
            return Map.of("error_rate", errors.get(errors.size() - 1));
        }

        @Override
        public Map<String, Double> avgValue() {
            return Map.of("error_rate", errors.stream().mapToDouble(d -> d).average().orElse(Double.NaN));
        }

        @Override
        public boolean higherBetter() {
            return false;
        }

        @Override
        public void update(List<Tensor> outputs, Object annotation) {
            errors.add(argmax(outputs.get(0)) == (Integer) annotation ? 0.0 : 1.0);
        }

        @Override
        public void reset() {
            errors.clear();
        }

        @Override
        public Map<String, Map<String, String>> attributes() {
            return Map.of("error_rate", Map.of("direction", "higher-worse", "type", "error_rate"));
        }
    }

    /** Mean of the true class's logit margin over the runner-up: a continuous per-sample metric. */
    static final class Margin implements Metric {
        private final List<Double> margins = new ArrayList<>();

        @Override
        public Map<String, Double> value() {
            return Map.of("margin", margins.get(margins.size() - 1));
        }

        @Override
        public Map<String, Double> avgValue() {
            return Map.of("margin", margins.stream().mapToDouble(d -> d).average().orElse(Double.NaN));
        }

        @Override
        public void update(List<Tensor> outputs, Object annotation) {
            Tensor t = outputs.get(0);
            int label = (Integer) annotation;
            double other = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < t.size(); c++) {
                if (c != label) {
                    other = Math.max(other, t.getDouble(c));
                }
            }
            margins.add(t.getDouble(label) - other);
        }

        @Override
        public void reset() {
            margins.clear();
        }

        @Override
        public Map<String, Map<String, String>> attributes() {
            return Map.of("margin", Map.of("direction", "higher-better", "type", "margin"));
        }
    }

    /** Macro-averaged recall: only meaningful over the whole dataset (perSample false, ranked by NMSE). */
    static final class MacroRecall implements Metric {
        private final int classes;
        private final int[] hits;
        private final int[] totals;
        private int last;

        MacroRecall(int classes) {
            this.classes = classes;
            this.hits = new int[classes];
            this.totals = new int[classes];
        }

        @Override
        public Map<String, Double> value() {
            return Map.of("macro_recall", (double) last);
        }

        @Override
        public Map<String, Double> avgValue() {
            double s = 0;
            int n = 0;
            for (int c = 0; c < classes; c++) {
                if (totals[c] > 0) {
                    s += (double) hits[c] / totals[c];
                    n++;
                }
            }
            return Map.of("macro_recall", n == 0 ? Double.NaN : s / n);
        }

        @Override
        public void update(List<Tensor> outputs, Object annotation) {
            int label = (Integer) annotation;
            totals[label]++;
            last = argmax(outputs.get(0)) == label ? 1 : 0;
            hits[label] += last;
        }

        @Override
        public void reset() {
            java.util.Arrays.fill(hits, 0);
            java.util.Arrays.fill(totals, 0);
        }

        @Override
        public boolean perSample() {
            return false;
        }

        @Override
        public Map<String, Map<String, String>> attributes() {
            return Map.of("macro_recall", Map.of("direction", "higher-better", "type", "recall"));
        }
    }

    /** Accuracy that throws once a shared counter of updates passes a limit (a plugin bug, or a kill). */
    static final class FailingAccuracy implements Metric {
        private final Accuracy inner = new Accuracy();
        private final AtomicInteger updates;
        private final int limit;
        private final boolean nan;

        FailingAccuracy(AtomicInteger updates, int limit, boolean nan) {
            this.updates = updates;
            this.limit = limit;
            this.nan = nan;
        }

        @Override
        public Map<String, Double> value() {
            if (nan && updates.get() > limit) {
                return Map.of("accuracy@top1", Double.NaN);
            }
            return inner.value();
        }

        @Override
        public Map<String, Double> avgValue() {
            return inner.avgValue();
        }

        @Override
        public void update(List<Tensor> outputs, Object annotation) {
            if (updates.incrementAndGet() > limit && !nan) {
                throw new IllegalStateException("simulated metric failure");
            }
            inner.update(outputs, annotation);
        }

        @Override
        public void reset() {
            inner.reset();
        }

        @Override
        public Map<String, Map<String, String>> attributes() {
            return inner.attributes();
        }
    }
}
