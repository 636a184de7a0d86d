package org.pot4j.engine.algorithms.minmax;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.pot4j.api.Tensor;
import org.pot4j.api.model.BackendCapability;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.QuantizableNode;
import org.pot4j.api.quant.ActivationQuantizer;
import org.pot4j.api.quant.AlgorithmContext;
import org.pot4j.api.quant.QuantizationAlgorithm;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.api.quant.QuantizationResult;
import org.pot4j.engine.algorithms.AlgorithmSupport;
import org.pot4j.engine.algorithms.BackendCapabilities;
import org.pot4j.engine.statistics.StatisticKind;
import org.pot4j.engine.statistics.StatisticsRequest;
import org.pot4j.engine.statistics.StatisticsResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POT's MinMaxQuantization: one FP32 statistics pass gives every quantized activation its range,
 * weights get symmetric per-channel ranges from their values, and the result is a
 * {@link QuantizationPlan}. Split into {@link #prepare} (what to quantize and which statistics it
 * needs) and {@link #buildPlan} (quantizers from the statistics) so DefaultQuantization can merge
 * its statistics with FastBiasCorrection's into one pass.
 */
public final class MinMaxQuantization implements QuantizationAlgorithm {
    /** Per-channel absolute maxima over the last axis of a dynamic input (its outlier channels). */
    static final org.pot4j.engine.statistics.StatisticSpec OUTLIER_STAT =
            org.pot4j.engine.statistics.StatisticSpec.channelAbsMax(-1);

    /** Name in configs. */
    public static final String NAME = "MinMaxQuantization";

    private static final Logger LOG = LoggerFactory.getLogger(MinMaxQuantization.class);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<String> parameterNames() {
        return MinMaxParameters.NAMES;
    }

    @Override
    public void checkParameters(java.util.Map<String, Object> params) {
        AlgorithmSupport.checkKeys(NAME, params, parameterNames());
        MinMaxParameters.parse(NAME, params);
    }

    @Override
    public QuantizationResult run(Model model, AlgorithmContext context) {
        long start = System.nanoTime();
        AlgorithmSupport.checkKeys(NAME, context.params(), parameterNames());
        Set<BackendCapability> caps = BackendCapabilities.of(context, model);
        MinMaxParameters params = MinMaxParameters.parse(NAME, context.params(), caps);
        Prepared prepared = prepare(model, params, caps);
        StatisticsResult stats = prepared.request().isEmpty() ? null
                : AlgorithmSupport.collector(context).collect(model, QuantizationPlan.EMPTY, context.calibration(),
                        prepared.request(), params.collectionOptions(), context.progress());
        QuantizationPlan plan = buildPlan(model, prepared, stats, NAME);
        Map<String, Object> report = new LinkedHashMap<>(report(prepared, plan));
        if (stats != null) {
            report.put("statistics_samples", stats.sampleCount());
            report.put("statistics_seconds", Math.round(stats.seconds() * 1000) / 1000.0);
        }
        report.put("seconds", AlgorithmSupport.secondsSince(start));
        return QuantizationResult.completed(plan, report);
    }

    /**
     * What MinMax will quantize on {@code model} and the FP32 statistics it needs.
     *
     * @param params quantization parameters
     * @param caps   the backend's capabilities
     */
    public static Prepared prepare(Model model, MinMaxParameters params, Set<BackendCapability> caps) {
        NodeSelection selection = NodeSelection.select(model, params, caps);
        Set<String> dynamic = params.dynamicActivations() ? DynamicActivations.tensors(selection) : Set.of();
        StatisticsRequest request = new StatisticsRequest();
        for (String t : selection.activationTensors()) {
            if (dynamic.contains(t)) {
                // the range comes from each batch at run time; only the channels' ranges, to find outliers
                if (params.outliers().enabled()) {
                    request.add(t, OUTLIER_STAT);
                }
                continue;
            }
            request.add(t, params.activationRange().min());
            request.add(t, params.activationRange().max());
        }
        boolean perChannel = params.perChannelWeights() && caps.contains(BackendCapability.PER_CHANNEL_WEIGHTS);
        if (params.perChannelWeights() && !perChannel) {
            LOG.info("backend {} has no per-channel weight quantizers; using per-tensor weights", model.backendName());
        }
        return new Prepared(params, selection, request, perChannel, dynamic);
    }

    /**
     * The plan: a weight quantizer per quantized node with a weight, an activation quantizer per
     * selected tensor (from {@code stats}, which must hold {@link Prepared#request()}), the excluded
     * nodes in FP32, and the parameters in the metadata.
     */
    public static QuantizationPlan buildPlan(Model model, Prepared prepared, StatisticsResult stats, String algorithm) {
        MinMaxParameters params = prepared.params();
        QuantizationPlan.Builder plan = QuantizationPlan.builder();
        for (QuantizableNode n : prepared.selection().quantized()) {
            if (!n.hasWeight()) {
                continue;
            }
            Tensor w = model.weight(n);
            if (w == null || !w.dataType().isFloatingPoint()) {
                LOG.warn("node {} of {} has no floating-point weight to quantize; its weight stays FP32", n.id(), model.path());
                continue;
            }
            int axis = prepared.perChannel() && n.weightChannelAxis() >= 0 && n.weightChannelAxis() < w.rank() ? n.weightChannelAxis() : -1;
            int bits = w.rank() >= 3 ? params.convWeightBits() : params.weightBits();
            plan.weight(n.id(), QuantizerMath.weights(w, axis, bits, params.weightOutlierProb()));
        }
        RangeEstimator range = params.activationRange();
        boolean highIsAbs = range.max().kind() == StatisticKind.ABS_MAX || range.max().kind() == StatisticKind.ABS_QUANTILE;
        for (String t : prepared.selection().activationTensors()) {
            if (prepared.dynamicTensors().contains(t)) {
                plan.activation(t, ActivationQuantizer.dynamic(params.activationBits()));
                if (params.outliers().enabled()) {
                    double[] ranges = stats.channelMeans(t, OUTLIER_STAT);
                    int[] channels = params.outliers().select(ranges);
                    if (channels.length > 0) {
                        plan.floatChannels(t, channels, OutlierChannels.divisors(ranges, channels));
                    }
                }
                continue;
            }
            double lo = stats.value(t, range.min());
            double hi = stats.value(t, range.max());
            plan.activation(t, QuantizerMath.activation(t, lo, hi, highIsAbs, params.symmetricActivations(), params.activationBits()));
        }
        prepared.selection().fp32().keySet().forEach(plan::fp32Node);
        plan.metadata("algorithm", algorithm);
        params.metadata().forEach(plan::metadata);
        return plan.build();
    }

    /** Counts for the report: nodes, quantizers by kind, FP32 nodes with reasons. */
    public static Map<String, Object> report(Prepared prepared, QuantizationPlan plan) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("preset", prepared.params().preset().configName());
        r.put("range_estimator", prepared.params().activationRange().description());
        r.put("quantized_nodes", prepared.selection().quantized().size());
        r.put("fp32_nodes", new LinkedHashMap<>(prepared.selection().fp32()));
        r.put("weight_quantizers", plan.weights().size());
        r.put("per_channel_weights", (int) plan.weights().values().stream().filter(w -> w.axis() >= 0).count());
        int unsigned = 0;
        int signed = 0;
        int asymmetric = 0;
        int dynamic = 0;
        for (ActivationQuantizer q : plan.activations().values()) {
            if (q.dynamic()) {
                dynamic++;
            } else if (q.signed()) {
                signed++;
            } else if (q.zeroPoint() == 0) {
                unsigned++;
            } else {
                asymmetric++;
            }
        }
        r.put("activation_quantizers", plan.activations().size());
        r.put("unsigned_activations", unsigned);
        r.put("signed_activations", signed);
        r.put("asymmetric_activations", asymmetric);
        r.put("dynamic_activations", dynamic);
        if (!plan.floatChannels().isEmpty()) {
            Map<String, Object> outliers = new LinkedHashMap<>();
            plan.floatChannels().forEach((t, c) -> outliers.put(t, java.util.Arrays.stream(c).boxed().toList()));
            r.put("float_outlier_channels", outliers);
        }
        return r;
    }

    /**
     * MinMax's decisions before statistics.
     *
     * @param params     parameters
     * @param selection  nodes and tensors to quantize
     * @param request    FP32 statistics needed
     * @param perChannel weights per channel
     * @param dynamicTensors activation tensors quantized at run time (no statistics needed)
     */
    public record Prepared(MinMaxParameters params, NodeSelection selection, StatisticsRequest request, boolean perChannel,
                           Set<String> dynamicTensors) {
        /** Copies. */
        public Prepared {
            dynamicTensors = Set.copyOf(dynamicTensors);
        }
    }
}
