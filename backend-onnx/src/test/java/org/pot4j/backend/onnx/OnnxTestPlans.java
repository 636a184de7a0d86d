package org.pot4j.backend.onnx;

import java.util.Map;
import org.pot4j.api.Tensor;
import org.pot4j.api.model.Model;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.api.quant.WeightQuantizer;
import org.pot4j.testkit.MinMaxTestPlanner;

/**
 * Plans for the backend tests: the testkit's shared {@link MinMaxTestPlanner} (per-channel
 * symmetric INT8 weights, min/max activation ranges measured on a batch).
 */
final class OnnxTestPlans {
    private OnnxTestPlans() {
    }

    static QuantizationPlan quantizeAll(Model model, Map<String, Tensor> batch) {
        return quantizeAll(model, batch, false);
    }

    /** As {@link #quantizeAll(Model, Map)}; {@code asymmetric} gives tensors with negative values a uint8 range [min, max] (POT's mixed preset). */
    static QuantizationPlan quantizeAll(Model model, Map<String, Tensor> batch, boolean asymmetric) {
        return MinMaxTestPlanner.of(model).asymmetric(asymmetric).plan(batch);
    }

    static WeightQuantizer perChannel(Tensor w, int axis) {
        return MinMaxTestPlanner.weightQuantizer(w, axis, 8);
    }
}
