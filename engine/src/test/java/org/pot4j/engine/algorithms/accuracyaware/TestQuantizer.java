package org.pot4j.engine.algorithms.accuracyaware;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.data.Sample;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.QuantizableNode;
import org.pot4j.api.quant.ActivationQuantizer;
import org.pot4j.api.quant.AlgorithmContext;
import org.pot4j.api.quant.QuantizationAlgorithm;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.api.quant.QuantizationResult;
import org.pot4j.api.quant.WeightQuantizer;
import org.pot4j.engine.data.Batches;

/**
 * A small min/max quantizer standing in for DefaultQuantization in these tests: per-channel
 * symmetric weights, activation ranges from the calibration data, presets {@code performance}
 * (symmetric, unsigned when non-negative) and {@code mixed} (asymmetric). Chosen nodes/tensors get
 * fewer bits so that some layers are far more sensitive than others, as on real models.
 */
final class TestQuantizer implements QuantizationAlgorithm {
    static final AtomicInteger RUNS = new AtomicInteger();

    private final Map<String, Integer> weightBits;
    private final Map<String, Integer> activationBits;

    TestQuantizer(Map<String, Integer> weightBits, Map<String, Integer> activationBits) {
        this.weightBits = weightBits;
        this.activationBits = activationBits;
    }

    @Override
    public String name() {
        return "DefaultQuantization";
    }

    @Override
    public Set<String> parameterNames() {
        return Set.of("preset", "stat_subset_size");
    }

    @Override
    public QuantizationResult run(Model model, AlgorithmContext context) {
        RUNS.incrementAndGet();
        boolean mixed = "mixed".equals(context.params().get("preset"));
        Set<String> tensors = new LinkedHashSet<>();
        for (QuantizableNode n : model.quantizableNodes()) {
            tensors.addAll(n.activationInputs());
            tensors.addAll(n.activationOutputs());
        }
        Dataset calib = context.calibration();
        Map<String, float[]> ranges = new java.util.HashMap<>();
        try (CompiledModel m = model.compile(QuantizationPlan.EMPTY, tensors)) {
            for (int i = 0; i < calib.size(); i++) {
                Sample s = calib.get(i);
                Map<String, Tensor> out = m.infer(Batches.stack(List.of(s), model.inputs()));
                for (String t : tensors) {
                    float[] r = ranges.computeIfAbsent(t, k -> new float[] {Float.MAX_VALUE, -Float.MAX_VALUE});
                    for (float v : out.get(t).floats()) {
                        r[0] = Math.min(r[0], v);
                        r[1] = Math.max(r[1], v);
                    }
                }
            }
        }
        QuantizationPlan.Builder b = QuantizationPlan.builder().metadata("algorithm", "test-quantizer");
        for (String t : tensors) {
            float[] r = ranges.get(t);
            int bits = activationBits.getOrDefault(t, 8);
            b.activation(t, activation(r[0], r[1], bits, mixed));
        }
        for (QuantizableNode n : model.quantizableNodes()) {
            if (!n.hasWeight()) {
                continue;
            }
            Tensor w = model.weight(n);
            int channels = (int) n.weightShape()[0];
            int per = w.size() / channels;
            int bits = weightBits.getOrDefault(n.id(), 8);
            float[] scales = new float[channels];
            for (int c = 0; c < channels; c++) {
                float max = 1e-8f;
                for (int k = 0; k < per; k++) {
                    max = Math.max(max, Math.abs(w.floats()[c * per + k]));
                }
                scales[c] = max / ((1 << (bits - 1)) - 1);
            }
            b.weight(n.id(), new WeightQuantizer(bits, 0, scales, new int[channels], true));
            if (n.hasBias()) {
                // zero shifts: numerically inert, but they travel through plans and checkpoints
                b.biasShift(n.id(), new float[channels]);
            }
        }
        return QuantizationResult.completed(b.build(), Map.of());
    }

    private static ActivationQuantizer activation(float min, float max, int bits, boolean mixed) {
        if (mixed) {
            float lo = Math.min(0, min);
            float hi = Math.max(0, max);
            float scale = Math.max(1e-8f, (hi - lo) / ((1 << bits) - 1));
            int zp = Math.round(-lo / scale);
            return new ActivationQuantizer(bits, false, scale, Math.max(0, Math.min((1 << bits) - 1, zp)));
        }
        if (min >= 0) {
            return new ActivationQuantizer(bits, false, Math.max(1e-8f, max / ((1 << bits) - 1)), 0);
        }
        float a = Math.max(Math.abs(min), Math.abs(max));
        return new ActivationQuantizer(bits, true, Math.max(1e-8f, a / ((1 << (bits - 1)) - 1)), 0);
    }
}
