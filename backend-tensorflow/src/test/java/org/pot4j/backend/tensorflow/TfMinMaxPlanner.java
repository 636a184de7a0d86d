package org.pot4j.backend.tensorflow;

import java.util.Map;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.Model;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.api.quant.WeightQuantizer;
import org.pot4j.testkit.ClassifierAccuracy;
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
        return ClassifierAccuracy.top1(model, c, data, 100);
    }
}
