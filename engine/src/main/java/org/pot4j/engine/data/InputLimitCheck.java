package org.pot4j.engine.data;

import java.util.List;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.model.InputLimit;
import org.pot4j.api.model.InputLimits;
import org.pot4j.api.model.Model;

/**
 * Checks every sample of a dataset against the limits a model declares on its integer inputs
 * ({@link InputLimits}: token ids inside the embedding table, sequences no longer than the position
 * table), when the dataset is opened: one {@code DATASET_INVALID} naming the input, how many samples are
 * bad, the first one and the table that sets the limit, before any pass runs (ONNX Runtime would fail in
 * the middle of one, or a clipped position slice would give a shape error far from the cause).
 */
public final class InputLimitCheck {
    private InputLimitCheck() {
    }

    public static void check(Dataset data, Model model) {
        if (!(model instanceof InputLimits limited)) {
            return;
        }
        List<InputLimit> limits = limited.inputLimits();
        if (limits.isEmpty()) {
            return;
        }
        for (InputLimit limit : limits) {
            check(data, limit);
        }
    }

    private static void check(Dataset data, InputLimit limit) {
        int n = data.size();
        int bad = 0;
        int first = -1;
        String firstProblem = null;
        for (int i = 0; i < n; i++) {
            Tensor t = data.get(i).inputs().get(limit.input());
            if (t == null) {
                return; // a missing input is reported where the model is fed
            }
            String problem = problem(t, limit);
            if (problem != null) {
                if (first < 0) {
                    first = i;
                    firstProblem = problem;
                }
                bad++;
            }
        }
        if (bad == 0) {
            return;
        }
        String what = limit.valueBound() >= 0
                ? "input '" + limit.input() + "' values outside [0, " + limit.valueBound() + "), the rows of the " + limit.culprit()
                : "input '" + limit.input() + "' longer than " + limit.lengthBound() + ", the rows of the " + limit.culprit();
        String fix = limit.valueBound() >= 0
                ? "tokenize with the model's own tokenizer (its vocabulary has " + limit.valueBound() + " entries)"
                : "tokenize with max_length <= " + limit.lengthBound() + " (truncation)";
        throw new Pot4jException(ErrorCode.DATASET_INVALID, "dataset '" + data.name() + "': " + bad + " of " + n + " samples have "
                + what + "; first: sample " + first + ", " + firstProblem + "; " + fix);
    }

    private static String problem(Tensor t, InputLimit limit) {
        long[] shape = t.shape();
        if (limit.lengthBound() >= 0 && shape.length > 0 && shape[shape.length - 1] > limit.lengthBound()) {
            return "length " + shape[shape.length - 1];
        }
        if (limit.valueBound() >= 0 && !t.dataType().isFloatingPoint()) {
            int size = t.size();
            for (int j = 0; j < size; j++) {
                double v = t.getDouble(j);
                if (v < 0 || v >= limit.valueBound()) {
                    return "value " + (long) v + " at position " + j;
                }
            }
        }
        return null;
    }
}
