package org.pot4j.engine.algorithms.accuracyaware;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.data.Sample;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.QuantizableNode;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.engine.data.Batches;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fast ranking's pre-rank: how much quantization noise each node adds, measured in two passes
 * over the ranking subset (FP32 and the current plan, batch by batch in lock-step) with the nodes'
 * tensors as extra outputs, instead of one pass per node.
 *
 * <p>For a node, the noise it adds is the NMSE to FP32 of the tensor it produces minus what the
 * error of the tensors it reads (what upstream nodes already contributed; an extra output is the
 * tensor before its own activation quantizer, so the node's input quantizer counts as the node's)
 * becomes at its output. For a weighted node {@code y = W x} with one activation input, unstructured
 * input noise of relative power {@code e} comes out as {@code e * G} with
 * {@code G = (|W|^2 / outputChannels) * mean(x^2) / mean(y^2)} (each output is a dot product of one
 * weight row with the noisy input), all from FP32 values; on the MLP test fixture this gain is what
 * keeps the output layer, which magnifies the error it receives, from ranking above a layer with
 * 3-bit weights. For weightless nodes the largest input error is subtracted. A candidate that reverts a group (see {@link NodeReverter}) scores the sum over the
 * group. NMSE is scale-free, so a relative error that travels unchanged through the layers after
 * the node becomes the same relative error of the model output: the score approximates the output
 * NMSE the node alone causes. It ignores how later layers amplify or damp the error, which is why
 * the fast ranking only uses it to pick the candidates it then scores exactly.
 */
final class NoiseProxy {
    private static final Logger LOG = LoggerFactory.getLogger(NoiseProxy.class);
    private static final double EPS = 1e-30;

    private final Model model;
    private final Dataset dataset;
    private final NodeReverter reverter;
    private final Map<String, Double> rowPower = new HashMap<>();

    NoiseProxy(Model model, Dataset dataset, NodeReverter reverter) {
        this.model = model;
        this.dataset = dataset;
        this.reverter = reverter;
    }

    /**
     * Noise scores of {@code candidates} under {@code plan} on the samples {@code subset}, by node
     * id; null when the backend cannot return the intermediate tensors (the caller then scores every
     * candidate exactly). A score is NaN when the node's output tensor could not be measured.
     */
    Map<String, Double> scores(QuantizationPlan plan, List<QuantizableNode> candidates, int[] subset) {
        Set<String> tensors = new LinkedHashSet<>();
        for (QuantizableNode n : reverter.quantized(plan)) {
            String out = produced(n);
            if (out != null) {
                tensors.add(out);
            }
            tensors.addAll(n.activationInputs());
        }
        Set<String> inputs = new LinkedHashSet<>();
        model.inputs().forEach(t -> inputs.add(t.name()));
        tensors.removeAll(inputs);
        Map<String, double[]> nmse;
        try {
            nmse = tensorStats(plan, tensors, subset);
        } catch (Pot4jException | IllegalArgumentException | IllegalStateException e) {
            LOG.warn("AccuracyAware fast ranking: the backend could not return intermediate tensors ({}); scoring every"
                    + " candidate exactly", e.getMessage());
            return null;
        }
        for (String in : inputs) {
            nmse.put(in, new double[] {0, Double.NaN});
        }
        Map<String, Double> local = new HashMap<>();
        Map<String, Double> out = new LinkedHashMap<>();
        for (QuantizableNode c : candidates) {
            double sum = 0;
            for (QuantizableNode member : reverter.group(plan, c.id())) {
                sum += local.computeIfAbsent(member.id(), id -> added(member, nmse));
            }
            out.put(c.id(), sum);
        }
        return out;
    }

    /** The noise a node adds: NMSE of its output minus its inputs' error carried through it (at least 0). */
    private double added(QuantizableNode n, Map<String, double[]> stats) {
        String produced = produced(n);
        double[] o = produced == null ? null : stats.get(produced);
        if (o == null || Double.isNaN(o[0])) {
            return Double.NaN;
        }
        double in = 0;
        for (String t : n.activationInputs()) {
            double[] v = stats.get(t);
            if (v != null && !Double.isNaN(v[0])) {
                in = Math.max(in, v[0]);
            }
        }
        double gain = 1;
        if (n.hasWeight() && n.activationInputs().size() == 1) {
            double[] x = stats.get(n.activationInputs().get(0));
            double w = weightRowPower(n);
            if (x != null && Double.isFinite(x[1]) && Double.isFinite(o[1]) && o[1] > 0 && Double.isFinite(w)) {
                gain = w * x[1] / o[1];
            }
        }
        return Math.max(0, o[0] - gain * in);
    }

    /** |W|^2 / output channels of a node's FP32 weight (NaN when it cannot be read). */
    private double weightRowPower(QuantizableNode n) {
        return rowPower.computeIfAbsent(n.id(), id -> {
            try {
                Tensor w = model.weight(n);
                long[] shape = n.weightShape();
                int axis = n.weightChannelAxis();
                double rows = axis >= 0 && axis < shape.length && shape[axis] > 0 ? shape[axis] : 1;
                double sum = 0;
                for (int i = 0; i < w.size(); i++) {
                    double v = w.getDouble(i);
                    sum += v * v;
                }
                return sum / rows;
            } catch (RuntimeException e) {
                return Double.NaN;
            }
        });
    }

    private static String produced(QuantizableNode n) {
        if (n.outputName() != null) {
            return n.outputName();
        }
        return n.activationOutputs().isEmpty() ? null : n.activationOutputs().get(0);
    }

    /**
     * Per tensor over the subset: {NMSE to FP32 (sum of squared errors / sum of squares), mean
     * square of the FP32 values per element}.
     */
    private Map<String, double[]> tensorStats(QuantizationPlan plan, Set<String> tensors, int[] subset) {
        Map<String, double[]> acc = new LinkedHashMap<>();
        tensors.forEach(t -> acc.put(t, new double[3]));
        int batch = Math.max(1, Batches.batchSizeFor(model));
        try (CompiledModel fp32 = model.compile(QuantizationPlan.EMPTY, tensors);
                CompiledModel quant = model.compile(plan, tensors)) {
            for (int from = 0; from < subset.length; from += batch) {
                int to = Math.min(subset.length, from + batch);
                List<Sample> samples = new ArrayList<>(to - from);
                for (int p = from; p < to; p++) {
                    samples.add(dataset.get(subset[p]));
                }
                Map<String, Tensor> in = Batches.stack(samples, model.inputs());
                Map<String, Tensor> ref = fp32.infer(in);
                Map<String, Tensor> got = quant.infer(in);
                for (Map.Entry<String, double[]> e : acc.entrySet()) {
                    Tensor r = ref.get(e.getKey());
                    Tensor q = got.get(e.getKey());
                    if (r == null || q == null || r.size() != q.size()) {
                        e.getValue()[0] = Double.NaN;
                        continue;
                    }
                    accumulate(e.getValue(), r, q);
                }
            }
        }
        Map<String, double[]> out = new HashMap<>();
        acc.forEach((t, a) -> out.put(t, Double.isNaN(a[0]) ? new double[] {Double.NaN, Double.NaN}
                : new double[] {a[0] / Math.max(a[1], EPS), a[2] > 0 ? a[1] / a[2] : Double.NaN}));
        return out;
    }

    private static void accumulate(double[] acc, Tensor ref, Tensor got) {
        if (Double.isNaN(acc[0])) {
            return;
        }
        int n = ref.size();
        double err = 0;
        double norm = 0;
        if (ref.rawData() instanceof float[] rf && got.rawData() instanceof float[] gf) {
            for (int i = 0; i < n; i++) {
                double d = gf[i] - rf[i];
                err += d * d;
                norm += (double) rf[i] * rf[i];
            }
        } else {
            for (int i = 0; i < n; i++) {
                double rv = ref.getDouble(i);
                double d = got.getDouble(i) - rv;
                err += d * d;
                norm += rv * rv;
            }
        }
        acc[0] += err;
        acc[1] += norm;
        acc[2] += n;
    }
}
