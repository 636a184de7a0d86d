package org.pot4j.backend.tensorflow;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.QuantizableNode;
import org.pot4j.api.quant.ActivationQuantizer;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.api.quant.WeightQuantizer;

/**
 * Test-only stand-in for the engine's MinMaxQuantization (the backend must not depend on the
 * engine): symmetric narrow-range INT8 weights per output channel, and per-tensor activation
 * ranges from the min/max over a calibration set (uint8 from zero for non-negative tensors,
 * symmetric int8 otherwise), like the POT {@code performance} preset.
 */
final class TfMinMaxPlanner {
    private TfMinMaxPlanner() {
    }

    /** The plan for {@code model} calibrated on {@code calibration} (all samples, batches of 50). */
    static QuantizationPlan plan(Model model, Dataset calibration) {
        Set<String> tensors = new LinkedHashSet<>();
        for (QuantizableNode n : model.quantizableNodes()) {
            tensors.addAll(n.activationInputs());
            tensors.addAll(n.activationOutputs());
        }
        Map<String, float[]> ranges = new LinkedHashMap<>();
        try (CompiledModel c = model.compile(QuantizationPlan.EMPTY, tensors)) {
            for (int start = 0; start < calibration.size(); start += 50) {
                Map<String, Tensor> out = c.infer(batch(model, calibration, start, Math.min(calibration.size(), start + 50)));
                for (String t : tensors) {
                    float[] r = ranges.computeIfAbsent(t, k -> new float[2]);
                    for (float v : out.get(t).floats()) {
                        r[0] = Math.min(r[0], v);
                        r[1] = Math.max(r[1], v);
                    }
                }
            }
        }
        QuantizationPlan.Builder plan = QuantizationPlan.builder().metadata("algorithm", "test-minmax");
        ranges.forEach((t, r) -> plan.activation(t, r[0] >= 0
                ? new ActivationQuantizer(8, false, Math.max(r[1], 1e-6f) / 255f, 0)
                : new ActivationQuantizer(8, true, Math.max(Math.max(-r[0], r[1]), 1e-6f) / 127f, 0)));
        for (QuantizableNode n : model.quantizableNodes()) {
            if (n.hasWeight()) {
                plan.weight(n.id(), perChannel(model.weight(n), n.weightChannelAxis()));
            }
        }
        return plan.build();
    }

    /** Samples {@code [from, to)} stacked into one batch under the model's first input name. */
    static Map<String, Tensor> batch(Model model, Dataset data, int from, int to) {
        List<Tensor> parts = new ArrayList<>();
        for (int i = from; i < to; i++) {
            parts.add(data.get(i).inputs().values().iterator().next().withBatchDim());
        }
        return Map.of(model.inputs().get(0).name(), Tensor.concat(parts));
    }

    /** Symmetric narrow-range INT8 per-channel quantizer. */
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
