package org.pot4j.metrics;

import java.util.List;
import java.util.Map;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.Tensor;

/**
 * Turns what {@code Metric.update} receives (outputs, an untyped annotation) into numbers, with one
 * {@code METRIC_FAILED} error for each way it can be wrong. A wrong annotation type must never
 * surface as a {@code ClassCastException} from deep inside a metric.
 */
final class MetricInputs {
    private MetricInputs() {
    }

    /** The only output; more or none is an error (classification metrics read one score vector). */
    /** A {@code mask_input} parameter names a model input: null (none) or a non-empty name. */
    static void checkMaskInput(String maskInput) {
        if (maskInput != null && maskInput.isBlank()) {
            throw new IllegalArgumentException("mask_input must name a model input such as attention_mask, got '"
                    + maskInput + "'");
        }
    }

    static Tensor singleOutput(String metric, List<Tensor> outputs) {
        if (outputs == null || outputs.size() != 1 || outputs.get(0) == null) {
            int n = outputs == null ? 0 : outputs.size();
            throw new Pot4jException(ErrorCode.METRIC_FAILED, "metric '" + metric + "' needs a model with exactly one output"
                    + " but got " + n + "; use a single-output model or a metric that selects an output");
        }
        return numeric(metric, outputs.get(0), "output");
    }

    /** Output {@code index} of the list. */
    static Tensor output(String metric, List<Tensor> outputs, int index) {
        if (outputs == null || outputs.isEmpty()) {
            throw new Pot4jException(ErrorCode.METRIC_FAILED, "metric '" + metric + "' got no model outputs");
        }
        if (index >= outputs.size() || outputs.get(index) == null) {
            throw new Pot4jException(ErrorCode.METRIC_FAILED, "metric '" + metric + "' reads output " + index
                    + " but the model has " + outputs.size() + " output(s); set output_index to 0.." + (outputs.size() - 1));
        }
        return numeric(metric, outputs.get(index), "output " + index);
    }

    private static Tensor numeric(String metric, Tensor t, String what) {
        if (t.dataType() == org.pot4j.api.DataType.BOOL) {
            throw new Pot4jException(ErrorCode.METRIC_FAILED, "metric '" + metric + "' cannot score a BOOL " + what);
        }
        return t;
    }

    /**
     * Class labels from a classification annotation: an {@code Integer}/{@code Long}/other integral
     * {@code Number} (one label), a {@code Tensor} of labels, an {@code int[]}/{@code long[]}, a
     * {@code List} of labels, or a {@code Map} whose values are the labels (the two target shapes
     * of POT's Accuracy example, whose {@code update} turns a dict into {@code list(target.values())}).
     */
    static int[] labels(String metric, Object annotation) {
        if (annotation instanceof Number n) {
            return new int[] {label(metric, n.doubleValue())};
        }
        if (annotation instanceof Tensor t) {
            if (t.dataType() == org.pot4j.api.DataType.BOOL || t.size() == 0) {
                throw wrongAnnotation(metric, annotation, "a class label");
            }
            int[] out = new int[t.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = label(metric, t.getDouble(i));
            }
            return out;
        }
        if (annotation instanceof int[] a && a.length > 0) {
            for (int v : a) {
                label(metric, v);
            }
            return a.clone();
        }
        if (annotation instanceof long[] a && a.length > 0) {
            int[] out = new int[a.length];
            for (int i = 0; i < a.length; i++) {
                out[i] = label(metric, a[i]);
            }
            return out;
        }
        if (annotation instanceof java.util.Map<?, ?> m && !m.isEmpty()) {
            // POT's own Accuracy example: `if isinstance(target, dict): target = list(target.values())`
            return labels(metric, java.util.List.copyOf(m.values()));
        }
        if (annotation instanceof java.util.List<?> list && !list.isEmpty()) {
            // one label per batch item, as the seed's example iterates them
            int[] out = new int[0];
            for (Object item : list) {
                if (item instanceof java.util.Collection<?> || item instanceof java.util.Map<?, ?>) {
                    throw wrongAnnotation(metric, annotation, "a flat list (or dict) of class labels");
                }
                int[] more = labels(metric, item);
                int[] joined = java.util.Arrays.copyOf(out, out.length + more.length);
                System.arraycopy(more, 0, joined, out.length, more.length);
                out = joined;
            }
            return out;
        }
        throw wrongAnnotation(metric, annotation, "a class label (Integer, a Tensor, a list or a dict of labels)");
    }

    private static int label(String metric, double v) {
        if (Double.isNaN(v) || v != Math.rint(v) || v < 0 || v > Integer.MAX_VALUE) {
            throw new Pot4jException(ErrorCode.METRIC_FAILED, "metric '" + metric + "' needs non-negative integer class labels"
                    + " but the annotation holds " + v + "; fix the dataset's labels");
        }
        return (int) v;
    }

    /**
     * A reference for a regression-style metric as doubles: a {@code Tensor} (for example the FP32
     * output), a {@code float[]}/{@code double[]}, or a {@code Number} for single-element outputs.
     */
    static double[] reference(String metric, Object annotation) {
        if (annotation instanceof Map<?, ?> m && m.containsKey(REFERENCE)) {
            return reference(metric, m.get(REFERENCE));
        }
        if (annotation instanceof Tensor t) {
            if (t.dataType() == org.pot4j.api.DataType.BOOL) {
                throw wrongAnnotation(metric, annotation, "a numeric reference tensor");
            }
            return doubles(t);
        }
        if (annotation instanceof float[] a) {
            double[] out = new double[a.length];
            for (int i = 0; i < a.length; i++) {
                out[i] = a[i];
            }
            return out;
        }
        if (annotation instanceof double[] a) {
            return a.clone();
        }
        if (annotation instanceof Number n) {
            return new double[] {n.doubleValue()};
        }
        throw wrongAnnotation(metric, annotation, "a reference Tensor (e.g. `annotation: fp32_output`)");
    }

    /** Key of the reference in an annotation that also carries model inputs (a map; see {@link #mask}). */
    static final String REFERENCE = "reference";

    /**
     * Which tokens are real: the model input {@code maskInput} (e.g. {@code attention_mask}, shape
     * {@code [tokens]} or {@code [1, tokens]}) carried in the annotation map {@code {reference, <input>...}}
     * that the engine builds when a metric names a {@code mask_input}. Axis 1 of {@code output} is the
     * token axis.
     */
    static boolean[] mask(String metric, Object annotation, String maskInput, Tensor output) {
        Object raw = annotation instanceof Map<?, ?> m ? m.get(maskInput) : null;
        if (!(raw instanceof Tensor mask)) {
            throw new Pot4jException(ErrorCode.METRIC_FAILED, "metric '" + metric + "' masks tokens with input '" + maskInput
                    + "' but the annotation does not carry it; use a dataset with that input and `annotation: fp32_output`");
        }
        if (output.rank() < 2) {
            throw new Pot4jException(ErrorCode.METRIC_FAILED, "metric '" + metric + "': mask_input needs an output with a token"
                    + " axis ([batch, tokens, ...]) but got " + output);
        }
        int tokens = (int) output.dim(1);
        if (mask.size() != tokens) {
            throw new Pot4jException(ErrorCode.METRIC_FAILED, "metric '" + metric + "': input '" + maskInput + "' " + mask
                    + " has " + mask.size() + " values but output " + output + " has " + tokens + " tokens on axis 1");
        }
        boolean[] real = new boolean[tokens];
        for (int i = 0; i < tokens; i++) {
            real[i] = mask.getDouble(i) != 0;
        }
        return real;
    }

    /** Checks that output and reference have the same number of elements. */
    static void sameSize(String metric, Tensor output, double[] reference) {
        if (output.size() != reference.length) {
            throw new Pot4jException(ErrorCode.METRIC_FAILED, "metric '" + metric + "': output " + output
                    + " has " + output.size() + " elements but the annotation has " + reference.length
                    + "; the annotation must have the output's shape");
        }
    }

    static double[] doubles(Tensor t) {
        int n = t.size();
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = t.getDouble(i);
        }
        return out;
    }

    static Pot4jException wrongAnnotation(String metric, Object annotation, String expected) {
        String got = annotation == null ? "no annotation (null)"
                : annotation instanceof Tensor t ? "a " + t : "a " + annotation.getClass().getSimpleName();
        return new Pot4jException(ErrorCode.METRIC_FAILED, "metric '" + metric + "' needs " + expected + " as annotation but got "
                + got + "; check the dataset's labels/annotation setting");
    }
}
