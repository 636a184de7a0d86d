package org.pot4j.testkit;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.data.Sample;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.QuantizableNode;
import org.pot4j.api.model.TensorInfo;
import org.pot4j.api.quant.ActivationQuantizer;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.api.quant.WeightQuantizer;

/**
 * The one test stand-in for the engine's MinMaxQuantization (backend tests must not depend on the
 * engine): symmetric narrow-range weights (per channel or per tensor) and per-tensor activation
 * ranges from the min/max over calibration batches: uint8 from zero for non-negative tensors,
 * symmetric int8 otherwise (POT's {@code performance} preset), or uint8 over [min, max] with
 * {@link #asymmetric} (POT's {@code mixed}). Test scaffolding, not the engine's algorithm.
 */
public final class MinMaxTestPlanner {
    private final Model model;
    private boolean perChannel = true;
    private boolean asymmetric;
    private int weightBits = 8;
    private String metadata = "test-minmax";

    private MinMaxTestPlanner(Model model) {
        this.model = model;
    }

    /** A planner for {@code model}: per-channel 8-bit weights, performance-preset activations. */
    public static MinMaxTestPlanner of(Model model) {
        return new MinMaxTestPlanner(model);
    }

    /** Per-channel weights along each node's channel axis (true, the default) or per tensor. */
    public MinMaxTestPlanner perChannel(boolean on) {
        this.perChannel = on;
        return this;
    }

    /** Tensors with negative values get a uint8 range [min, max] with a zero point (POT's mixed preset). */
    public MinMaxTestPlanner asymmetric(boolean on) {
        this.asymmetric = on;
        return this;
    }

    /** Weight bits (7 where a runtime's u8 x s8 kernels saturate). */
    public MinMaxTestPlanner weightBits(int bits) {
        this.weightBits = bits;
        return this;
    }

    /** The plan's {@code algorithm} metadata value (null: no metadata). */
    public MinMaxTestPlanner metadata(String algorithm) {
        this.metadata = algorithm;
        return this;
    }

    /** The plan with ranges measured on one batch. */
    public QuantizationPlan plan(Map<String, Tensor> batch) {
        return plan(List.of(batch));
    }

    /** The plan with ranges measured on all of {@code data}, in batches of {@code batchSize}. */
    public QuantizationPlan plan(Dataset data, int batchSize) {
        List<Map<String, Tensor>> batches = new ArrayList<>();
        for (int start = 0; start < data.size(); start += batchSize) {
            batches.add(batch(model, data, start, Math.min(data.size(), start + batchSize)));
        }
        return plan(batches);
    }

    /** The plan with ranges measured over {@code batches}. */
    public QuantizationPlan plan(Iterable<Map<String, Tensor>> batches) {
        Set<String> tensors = activationTensors(model);
        Map<String, float[]> ranges = new LinkedHashMap<>();
        if (!tensors.isEmpty() && batches.iterator().hasNext()) {
            try (CompiledModel c = model.compile(QuantizationPlan.EMPTY, tensors)) {
                for (Map<String, Tensor> batch : batches) {
                    Map<String, Tensor> out = c.infer(batch);
                    for (String t : tensors) {
                        float[] r = ranges.computeIfAbsent(t, k -> new float[2]);
                        Tensor v = out.containsKey(t) ? out.get(t) : batch.get(t);
                        for (float x : v.toFloatArray()) {
                            r[0] = Math.min(r[0], x);
                            r[1] = Math.max(r[1], x);
                        }
                    }
                }
            }
        }
        QuantizationPlan.Builder plan = QuantizationPlan.builder();
        if (metadata != null) {
            plan.metadata("algorithm", metadata);
        }
        ranges.forEach((t, r) -> plan.activation(t, activation(r[0], r[1])));
        for (QuantizableNode n : model.quantizableNodes()) {
            if (n.hasWeight()) {
                plan.weight(n.id(), weightQuantizer(model.weight(n), perChannel ? n.weightChannelAxis() : -1, weightBits));
            }
        }
        return plan.build();
    }

    private ActivationQuantizer activation(float min, float max) {
        if (min >= 0) {
            return new ActivationQuantizer(8, false, Math.max(max, 1e-6f) / 255f, 0);
        }
        if (asymmetric) {
            float scale = (max - min) / 255f;
            return new ActivationQuantizer(8, false, scale, Math.round(-min / scale));
        }
        return new ActivationQuantizer(8, true, Math.max(Math.max(-min, max), 1e-6f) / 127f, 0);
    }

    /** Every tensor the graph view lists as an activation input or output. */
    public static Set<String> activationTensors(Model model) {
        Set<String> out = new LinkedHashSet<>();
        for (QuantizableNode n : model.quantizableNodes()) {
            out.addAll(n.activationInputs());
            out.addAll(n.activationOutputs());
        }
        return out;
    }

    /** Symmetric narrow-range quantizer of {@code w} with {@code bits} bits, per channel along {@code axis} (-1: per tensor). */
    public static WeightQuantizer weightQuantizer(Tensor w, int axis, int bits) {
        float[] v = w.toFloatArray();
        long[] shape = w.shape();
        int channels = axis < 0 ? 1 : (int) shape[axis];
        long inner = 1;
        for (int d = axis + 1; axis >= 0 && d < shape.length; d++) {
            inner *= shape[d];
        }
        float[] maxAbs = new float[channels];
        for (int i = 0; i < v.length; i++) {
            int c = axis < 0 ? 0 : (int) ((i / inner) % channels);
            maxAbs[c] = Math.max(maxAbs[c], Math.abs(v[i]));
        }
        float[] scales = new float[channels];
        for (int c = 0; c < channels; c++) {
            scales[c] = Math.max(maxAbs[c], 1e-8f) / ((1 << (bits - 1)) - 1);
        }
        return new WeightQuantizer(bits, axis, scales, new int[channels], true);
    }

    /**
     * Samples {@code [from, to)} stacked into one batch keyed by model input name (bound by name when
     * every model input name is present, else by position).
     */
    public static Map<String, Tensor> batch(Model model, Dataset data, int from, int to) {
        List<TensorInfo> ins = model.inputs();
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (int i = 0; i < ins.size(); i++) {
            List<Tensor> parts = new ArrayList<>();
            for (int s = from; s < to; s++) {
                Sample sample = data.get(s);
                Map<String, Tensor> in = sample.inputs();
                boolean byName = ins.stream().allMatch(t -> in.containsKey(t.name()));
                Tensor t = byName ? in.get(ins.get(i).name()) : new ArrayList<>(in.values()).get(i);
                parts.add(t.withBatchDim());
            }
            out.put(ins.get(i).name(), Tensor.concat(parts));
        }
        return out;
    }
}
