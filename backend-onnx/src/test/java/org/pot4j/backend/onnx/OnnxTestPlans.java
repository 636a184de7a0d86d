package org.pot4j.backend.onnx;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.pot4j.api.Tensor;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.QuantizableNode;
import org.pot4j.api.quant.ActivationQuantizer;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.api.quant.WeightQuantizer;

/**
 * Plans for the backend tests: per-channel symmetric INT8 weights and min/max activation ranges
 * measured on a batch (uint8 from zero for non-negative tensors, as POT's presets do; symmetric
 * int8 otherwise). Test scaffolding, not the engine's algorithm.
 */
final class OnnxTestPlans {
    private OnnxTestPlans() {
    }

    static QuantizationPlan quantizeAll(Model model, Map<String, Tensor> batch) {
        return quantizeAll(model, batch, false);
    }

    /** As {@link #quantizeAll(Model, Map)}; {@code asymmetric} gives tensors with negative values a uint8 range [min, max] (POT's mixed preset). */
    static QuantizationPlan quantizeAll(Model model, Map<String, Tensor> batch, boolean asymmetric) {
        QuantizationPlan.Builder plan = QuantizationPlan.builder().metadata("algorithm", "test-minmax");
        Set<String> tensors = new LinkedHashSet<>();
        for (QuantizableNode n : model.quantizableNodes()) {
            tensors.addAll(n.activationInputs());
            tensors.addAll(n.activationOutputs());
        }
        Map<String, Tensor> values;
        try (CompiledModel c = model.compile(QuantizationPlan.EMPTY, tensors)) {
            values = c.infer(batch);
        }
        for (String t : tensors) {
            float min = 0;
            float max = 0;
            for (float x : values.get(t).toFloatArray()) {
                min = Math.min(min, x);
                max = Math.max(max, x);
            }
            if (min >= 0) {
                plan.activation(t, new ActivationQuantizer(8, false, Math.max(max, 1e-6f) / 255f, 0));
            } else if (asymmetric) {
                float scale = (max - min) / 255f;
                plan.activation(t, new ActivationQuantizer(8, false, scale, Math.round(-min / scale)));
            } else {
                plan.activation(t, new ActivationQuantizer(8, true, Math.max(-min, max) / 127f, 0));
            }
        }
        for (QuantizableNode n : model.quantizableNodes()) {
            if (n.hasWeight()) {
                plan.weight(n.id(), perChannel(model.weight(n), n.weightChannelAxis()));
            }
        }
        return plan.build();
    }

    static WeightQuantizer perChannel(Tensor w, int axis) {
        float[] v = w.floats();
        long[] shape = w.shape();
        int channels = (int) shape[axis];
        long inner = 1;
        for (int d = axis + 1; d < shape.length; d++) {
            inner *= shape[d];
        }
        float[] maxAbs = new float[channels];
        for (int i = 0; i < v.length; i++) {
            int c = (int) ((i / inner) % channels);
            maxAbs[c] = Math.max(maxAbs[c], Math.abs(v[i]));
        }
        float[] scales = new float[channels];
        for (int c = 0; c < channels; c++) {
            scales[c] = Math.max(maxAbs[c], 1e-8f) / 127f;
        }
        return new WeightQuantizer(8, axis, scales, new int[channels], true);
    }
}
