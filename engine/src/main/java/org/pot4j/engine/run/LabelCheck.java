package org.pot4j.engine.run;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.metric.Metric;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.TensorInfo;

/**
 * Before a classification metric (one whose attributes say {@code type: accuracy} or {@code f1})
 * scores anything, every class label of the validation data must be an integer in
 * {@code [0, classes)} of the model's first output. A bad label is the dataset's fault: it fails as
 * {@code DATASET_INVALID} naming the first bad sample and how many are bad, before any model file
 * is written, rather than as a metric failure on whichever sample a worker thread reached first.
 */
final class LabelCheck {
    static final Set<String> CLASSIFICATION_TYPES = Set.of("accuracy", "f1", "classification");

    private LabelCheck() {
    }

    static void check(Dataset validation, List<Supplier<Metric>> metrics, Model model) {
        // fp32_output annotations are references computed on demand, not labels
        if (validation == null || validation instanceof org.pot4j.engine.data.Fp32OutputDataset
                || !classification(metrics) || model.outputs().isEmpty()) {
            return;
        }
        TensorInfo out = model.outputs().get(0);
        long[] shape = out.shape();
        long classes = shape.length == 0 ? -1 : shape[shape.length - 1];
        int bad = 0;
        int first = -1;
        String firstLabel = null;
        int n = validation.size();
        for (int i = 0; i < n; i++) {
            Object a = validation.get(i).annotation();
            String problem = problem(a, classes);
            if (problem != null) {
                if (first < 0) {
                    first = i;
                    firstLabel = problem;
                }
                bad++;
            }
        }
        if (bad > 0) {
            throw new Pot4jException(ErrorCode.DATASET_INVALID, "dataset '" + validation.name() + "': " + bad + " of " + n
                    + " samples have a class label that is not an integer in [0, " + (classes > 0 ? classes : "classes")
                    + ") of output '" + out.name() + "'; first: sample " + first + " with label " + firstLabel
                    + "; fix the labels (or use a metric that does not take class labels)");
        }
    }

    private static boolean classification(List<Supplier<Metric>> metrics) {
        for (Supplier<Metric> s : metrics) {
            try {
                Map<String, Map<String, String>> attrs = s.get().attributes();
                if (attrs != null) {
                    for (Map<String, String> a : attrs.values()) {
                        if (a != null && CLASSIFICATION_TYPES.contains(a.get("type"))) {
                            return true;
                        }
                    }
                }
            } catch (RuntimeException e) {
                // a metric that cannot describe itself is checked when it runs
            }
        }
        return false;
    }

    /** Null when every label in the annotation is fine, else the first bad label as text. */
    private static String problem(Object a, long classes) {
        if (a instanceof Number num) {
            return bad(num.doubleValue(), classes) ? String.valueOf(num) : null;
        }
        if (a instanceof Tensor t) {
            for (int i = 0; i < t.size(); i++) {
                double v = t.getDouble(i);
                if (bad(v, classes)) {
                    return String.valueOf(v);
                }
            }
            return null;
        }
        if (a instanceof int[] arr) {
            for (int v : arr) {
                if (bad(v, classes)) {
                    return String.valueOf(v);
                }
            }
            return null;
        }
        if (a instanceof long[] arr) {
            for (long v : arr) {
                if (bad(v, classes)) {
                    return String.valueOf(v);
                }
            }
        }
        // other annotation kinds (references, none) are the metric's to judge
        return null;
    }

    private static boolean bad(double v, long classes) {
        return Double.isNaN(v) || v != Math.rint(v) || v < 0 || (classes > 0 && v >= classes);
    }
}
