package org.pot4j.backend.tensorflow;

import java.util.Map;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.Model;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.api.quant.WeightQuantizer;
import org.pot4j.testkit.MinMaxTestPlanner;

/** The testkit's shared {@link MinMaxTestPlanner} with this module's batch size, plus a top-1 accuracy helper. */
final class TfMinMaxPlanner {
    private TfMinMaxPlanner() {
    }

    /** The plan for {@code model} calibrated on {@code calibration} (all samples, batches of 50). */
    static QuantizationPlan plan(Model model, Dataset calibration) {
        return MinMaxTestPlanner.of(model).plan(calibration, 50);
    }

    /** Samples {@code [from, to)} stacked into one batch under the model's input names. */
    static Map<String, Tensor> batch(Model model, Dataset data, int from, int to) {
        return MinMaxTestPlanner.batch(model, data, from, to);
    }

    /** Symmetric narrow-range INT8 per-channel quantizer. */
    static WeightQuantizer perChannel(Tensor w, int axis) {
        return MinMaxTestPlanner.weightQuantizer(w, axis, 8);
    }

    /** Top-1 accuracy of a compiled classifier on a labelled dataset (batches of 100). */
    static double accuracy(Model model, CompiledModel c, Dataset data) {
        int correct = 0;
        String output = model.outputs().get(0).name();
        for (int start = 0; start < data.size(); start += 100) {
            int end = Math.min(data.size(), start + 100);
            float[] logits = c.infer(batch(model, data, start, end)).get(output).floats();
            int classes = logits.length / (end - start);
            for (int i = start; i < end; i++) {
                int best = 0;
                for (int k = 1; k < classes; k++) {
                    if (logits[(i - start) * classes + k] > logits[(i - start) * classes + best]) {
                        best = k;
                    }
                }
                if (best == (Integer) data.get(i).annotation()) {
                    correct++;
                }
            }
        }
        return (double) correct / data.size();
    }
}
