package org.pot4j.engine.algorithms.biascorrection;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pot4j.api.ProgressListener;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.QuantizableNode;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.engine.statistics.CollectionOptions;
import org.pot4j.engine.statistics.StatisticSpec;
import org.pot4j.engine.statistics.StatisticsCollector;
import org.pot4j.engine.statistics.StatisticsRequest;
import org.pot4j.engine.statistics.StatisticsResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fast bias correction of one model, reusable across plans: the FP32 per-channel output means are
 * gathered once (or taken from a merged statistics pass) and kept, so re-correcting after a plan
 * change (AccuracyAware reverting a node) costs one quantized pass only.
 *
 * <p>For each quantized node with a bias, {@code shift_c = mean_c(FP32 output) - mean_c(quantized
 * output)} over the calibration subset, where the quantized outputs come from the plan without any
 * bias shift. As in NNCF's FastBiasCorrection, a shift is applied only when its magnitude
 * {@code max_c |shift_c / bias_c|} is below the threshold (default 2); a bias with a zero element
 * has infinite magnitude and is never shifted.
 *
 * <p>The fast correction measures every node inside the fully quantized model, where its inputs
 * already carry the mean error of the nodes before it; those nodes' own shifts remove that error,
 * so counting it again would over-correct deep chains. The error each node inherits through its
 * input is therefore subtracted ({@link InputErrorPropagation}), leaving the node's own error as
 * NNCF measures it on a one-node subgraph. Where the weight layout does not allow this, the total
 * error is used.
 */
public final class BiasCorrector {
    /** Progress stage of the quantized statistics pass. */
    public static final String STAGE = "bias correction";

    private static final Logger LOG = LoggerFactory.getLogger(BiasCorrector.class);

    private final Model model;
    private final Dataset calibration;
    private final CollectionOptions options;
    private final BiasCorrectionParameters params;
    private final StatisticsCollector collector;
    private final ProgressListener progress;
    private final Map<String, double[]> fp32Means = new HashMap<>();
    private final Map<String, double[]> fp32InputMeans = new HashMap<>();

    /**
     * A corrector of {@code model} over the calibration subset {@code options} selects.
     */
    public BiasCorrector(Model model, Dataset calibration, CollectionOptions options, BiasCorrectionParameters params,
                         StatisticsCollector collector, ProgressListener progress) {
        this.model = model;
        this.calibration = calibration;
        this.options = options;
        this.params = params;
        this.collector = collector;
        this.progress = progress;
    }

    /** The nodes of {@code plan} bias correction can shift: weights quantized, a bias, a channel axis. */
    public static List<QuantizableNode> candidates(Model model, QuantizationPlan plan) {
        List<QuantizableNode> out = new ArrayList<>();
        for (QuantizableNode n : candidates(model.quantizableNodes())) {
            if (plan.weights().containsKey(n.id()) && !plan.fp32Nodes().contains(n.id())) {
                out.add(n);
            }
        }
        return out;
    }

    /** The nodes among {@code nodes} that have a weight, a bias and an output channel axis. */
    public static List<QuantizableNode> candidates(List<QuantizableNode> nodes) {
        List<QuantizableNode> out = new ArrayList<>();
        for (QuantizableNode n : nodes) {
            if (n.hasWeight() && n.hasBias() && n.outputName() != null && n.outputChannelAxis() >= 0) {
                out.add(n);
            }
        }
        return out;
    }

    /** The statistic bias correction needs of a node's output. */
    public static StatisticSpec outputMean(QuantizableNode node) {
        return StatisticSpec.channelMean(node.outputChannelAxis());
    }

    /** The tensor that feeds a node's weight (its first activation input), or null. */
    static String input(QuantizableNode node) {
        return node.activationInputs().isEmpty() ? null : node.activationInputs().get(0);
    }

    /**
     * The per-channel means of {@code nodes}' outputs and inputs (input channels on the same axis as
     * the output's), to merge into an FP32 statistics pass.
     */
    public static StatisticsRequest request(List<QuantizableNode> nodes) {
        StatisticsRequest r = new StatisticsRequest();
        for (QuantizableNode n : nodes) {
            r.add(n.outputName(), outputMean(n));
            if (input(n) != null) {
                r.add(input(n), outputMean(n));
            }
        }
        return r;
    }

    /** Takes FP32 means of {@code nodes} from a pass that included {@link #request(List)}. */
    public BiasCorrector withFp32Statistics(List<QuantizableNode> nodes, StatisticsResult fp32) {
        for (QuantizableNode n : nodes) {
            if (fp32.has(n.outputName(), outputMean(n))) {
                fp32Means.put(n.id(), fp32.channelMeans(n.outputName(), outputMean(n)));
                String in = input(n);
                fp32InputMeans.put(n.id(), in != null && fp32.has(in, outputMean(n)) ? fp32.channelMeans(in, outputMean(n)) : null);
            }
        }
        return this;
    }

    /**
     * Fast bias correction (NNCF/POT FastBiasCorrection): one quantized pass measures every
     * candidate's output means under {@code plan} and all shifts are applied at once. Existing
     * shifts in {@code plan} are discarded first, so the result depends only on the quantizers.
     *
     * <p>Each node's shift is its own error: the error its input inherits from upstream nodes is
     * subtracted (see the class comment). Mean errors that a nonlinearity creates between nodes
     * (e.g. rounding noise through a ReLU) are thus left to nobody; {@link #correctSequentially}
     * corrects them too, at the cost of one pass per node.
     */
    public BiasCorrectionOutcome correct(QuantizationPlan plan) {
        long start = System.nanoTime();
        QuantizationPlan base = withoutShifts(plan);
        List<QuantizableNode> nodes = prepare(base);
        if (nodes.isEmpty()) {
            return new BiasCorrectionOutcome(base, Map.of(), Map.of(), 0);
        }
        StatisticsResult quantized = collector.collect(model, base, calibration, request(nodes), options.withStage(STAGE), progress);
        QuantizationPlan.Builder out = base.toBuilder();
        Map<String, Double> applied = new LinkedHashMap<>();
        Map<String, String> skipped = new LinkedHashMap<>();
        int ownError = 0;
        for (QuantizableNode n : nodes) {
            double[] q = quantized.channelMeans(n.outputName(), outputMean(n));
            String in = input(n);
            double[] inherited = q == null || in == null ? null : InputErrorPropagation.propagate(n, model.weight(n),
                    base.weights().get(n.id()), fp32InputMeans.get(n.id()), quantized.channelMeans(in, outputMean(n)), q.length);
            if (inherited != null) {
                // remove the error the input brings from upstream nodes: what remains is this node's own
                q = q.clone();
                for (int c = 0; c < q.length; c++) {
                    q[c] -= inherited[c];
                }
                ownError++;
            }
            decide(n, q, out, applied, skipped);
        }
        LOG.debug("fast bias correction: own error for {} of {} nodes, total error for the rest", ownError, nodes.size());
        return finish(out, applied, skipped, nodes.size(), start, "fast");
    }

    /**
     * Bias correction node by node in topological order (what POT runs when
     * {@code use_fast_bias} is false): each node is measured with the shifts of the nodes before
     * it already applied, so it corrects only the error that is still there. Exact on the
     * calibration means, but one quantized pass per candidate node.
     */
    public BiasCorrectionOutcome correctSequentially(QuantizationPlan plan) {
        long start = System.nanoTime();
        QuantizationPlan base = withoutShifts(plan);
        List<QuantizableNode> nodes = prepare(base);
        QuantizationPlan.Builder out = base.toBuilder();
        Map<String, Double> applied = new LinkedHashMap<>();
        Map<String, String> skipped = new LinkedHashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            QuantizableNode n = nodes.get(i);
            StatisticsResult quantized = collector.collect(model, out.build(), calibration, request(List.of(n)),
                    options.withStage(STAGE + " " + (i + 1) + "/" + nodes.size()), progress);
            decide(n, quantized.channelMeans(n.outputName(), outputMean(n)), out, applied, skipped);
        }
        return finish(out, applied, skipped, nodes.size(), start, "sequential");
    }

    private static QuantizationPlan withoutShifts(QuantizationPlan plan) {
        QuantizationPlan.Builder unshifted = plan.toBuilder();
        plan.biasShifts().keySet().forEach(unshifted::removeBiasShift);
        return unshifted.build();
    }

    /** The candidates of {@code base}, with FP32 means gathered for any not seen yet. */
    private List<QuantizableNode> prepare(QuantizationPlan base) {
        List<QuantizableNode> nodes = candidates(model, base);
        List<QuantizableNode> missing = nodes.stream().filter(n -> !fp32Means.containsKey(n.id())).toList();
        if (!missing.isEmpty()) {
            withFp32Statistics(missing, collector.collect(model, QuantizationPlan.EMPTY, calibration, request(missing),
                    options.withStage(CollectionOptions.STAGE), progress));
        }
        return nodes;
    }

    /** Computes a node's shift from its quantized means and applies it when its magnitude allows. */
    private void decide(QuantizableNode n, double[] q, QuantizationPlan.Builder out, Map<String, Double> applied,
                        Map<String, String> skipped) {
        double[] fp = fp32Means.get(n.id());
        if (fp == null || q == null) {
            skipped.put(n.id(), "output '" + n.outputName() + "' has no channel axis " + n.outputChannelAxis());
            return;
        }
        Tensor biasTensor = model.bias(n);
        if (biasTensor == null) {
            skipped.put(n.id(), "the backend returned no bias values");
            return;
        }
        float[] bias = biasTensor.toFloatArray();
        if (fp.length != q.length || bias.length != fp.length) {
            skipped.put(n.id(), "bias has " + bias.length + " values but output '" + n.outputName() + "' has " + fp.length
                    + " channels on axis " + n.outputChannelAxis());
            return;
        }
        float[] shift = new float[bias.length];
        double magnitude = 0;
        boolean finite = true;
        for (int c = 0; c < shift.length; c++) {
            shift[c] = (float) (fp[c] - q[c]);
            finite &= Float.isFinite(shift[c]);
            magnitude = bias[c] == 0 ? Double.POSITIVE_INFINITY : Math.max(magnitude, Math.abs(shift[c] / bias[c]));
        }
        if (!finite) {
            skipped.put(n.id(), "shift is not finite");
        } else if (magnitude < params.threshold()) {
            out.biasShift(n.id(), shift);
            applied.put(n.id(), magnitude);
        } else {
            skipped.put(n.id(), hasZero(bias) ? "bias has zero elements (NNCF skips these)"
                    : String.format("shift magnitude %.3g is not below threshold %s", magnitude, params.threshold()));
        }
    }

    private BiasCorrectionOutcome finish(QuantizationPlan.Builder out, Map<String, Double> applied, Map<String, String> skipped,
                                         int candidates, long start, String mode) {
        double seconds = (System.nanoTime() - start) / 1e9;
        LOG.info("{} bias correction: {} of {} biases shifted, {} skipped", mode, applied.size(), candidates, skipped.size());
        return new BiasCorrectionOutcome(out.build(), applied, skipped, seconds);
    }

    private static boolean hasZero(float[] v) {
        for (float x : v) {
            if (x == 0) {
                return true;
            }
        }
        return false;
    }
}
