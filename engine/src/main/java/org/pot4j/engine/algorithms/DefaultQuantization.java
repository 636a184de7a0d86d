package org.pot4j.engine.algorithms;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pot4j.api.model.BackendCapability;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.QuantizableNode;
import org.pot4j.api.quant.AlgorithmContext;
import org.pot4j.api.quant.QuantizationAlgorithm;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.api.quant.QuantizationResult;
import org.pot4j.engine.algorithms.biascorrection.BiasCorrectionOutcome;
import org.pot4j.engine.algorithms.biascorrection.BiasCorrectionParameters;
import org.pot4j.engine.algorithms.biascorrection.BiasCorrector;
import org.pot4j.engine.algorithms.minmax.MinMaxParameters;
import org.pot4j.engine.algorithms.minmax.MinMaxQuantization;
import org.pot4j.engine.config.ParamBinder;
import org.pot4j.engine.statistics.StatisticsRequest;
import org.pot4j.engine.statistics.StatisticsResult;

/**
 * POT's DefaultQuantization: MinMaxQuantization followed by FastBiasCorrection. The FP32 statistics
 * of both (activation ranges and per-channel output means) are gathered in one merged pass; fast
 * bias correction then needs one more pass on the quantized model. With {@code use_fast_bias:
 * false} the more accurate sequential bias correction runs instead (one quantized pass per
 * corrected node), as POT switches to its BiasCorrection algorithm.
 *
 * <p>Parameters (POT names and defaults): {@code target_device} ANY, {@code preset} performance,
 * {@code stat_subset_size} 300, {@code stat_batch_size} (automatic), {@code shuffle_data} false,
 * {@code seed} 0, {@code ignored} / {@code ignored_scope}, {@code model_type} (none or
 * transformer), {@code activations}, {@code weights}, {@code range_estimator},
 * {@code use_fast_bias} true, {@code fast_bias_threshold} / {@code threshold} 2.0,
 * {@code apply_for_all_nodes} false, {@code inplace_statistics} (accepted, statistics always
 * stream).
 */
public final class DefaultQuantization implements QuantizationAlgorithm {
    /** Name in configs. */
    public static final String NAME = "DefaultQuantization";

    /** Every parameter DefaultQuantization accepts. */
    public static final Set<String> PARAMETER_NAMES;

    static {
        Set<String> names = new HashSet<>(MinMaxParameters.NAMES);
        names.addAll(BiasCorrectionParameters.NAMES);
        names.addAll(ParamBinder.keys(FlowKeys.class));
        PARAMETER_NAMES = Set.copyOf(names);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<String> parameterNames() {
        return PARAMETER_NAMES;
    }

    @Override
    public void checkParameters(Map<String, Object> params) {
        check(NAME, params, PARAMETER_NAMES);
    }

    @Override
    public QuantizationResult run(Model model, AlgorithmContext context) {
        return quantize(model, context, NAME, PARAMETER_NAMES);
    }

    /**
     * Parses every parameter of the DefaultQuantization flow as {@link #quantize} will, so bad keys,
     * types and ranges fail when a config loads rather than after the model was read.
     */
    public static void check(String algorithm, Map<String, Object> params, Set<String> accepted) {
        AlgorithmSupport.checkKeys(algorithm, params, accepted);
        MinMaxParameters.parse(algorithm, params);
        BiasCorrectionParameters.parse(algorithm, params, defaultThreshold(flow(algorithm, params)));
    }

    /** DefaultQuantization's own key besides MinMax's and bias correction's. */
    record FlowKeys(Boolean useFastBias) {
        boolean fast() {
            return useFastBias == null || useFastBias;
        }
    }

    private static FlowKeys flow(String algorithm, Map<String, ?> params) {
        return ParamBinder.bindKnown(params, FlowKeys.class, "algorithm '" + algorithm + "'", "params");
    }

    private static double defaultThreshold(FlowKeys flow) {
        return flow.fast() ? BiasCorrectionParameters.DEFAULT_THRESHOLD : BiasCorrectionParameters.SEQUENTIAL_THRESHOLD;
    }

    /**
     * The flow DefaultQuantization and a standalone FastBiasCorrection share: one merged FP32
     * statistics pass, the MinMax plan, then bias correction on it.
     *
     * @param algorithm the name of the calling algorithm (messages, metadata)
     * @param accepted  the parameter names the caller accepts
     */
    public static QuantizationResult quantize(Model model, AlgorithmContext context, String algorithm, Set<String> accepted) {
        long start = System.nanoTime();
        AlgorithmSupport.checkKeys(algorithm, context.params(), accepted);
        Set<BackendCapability> caps = BackendCapabilities.of(context, model);
        MinMaxParameters mm = MinMaxParameters.parse(algorithm, context.params(), caps);
        FlowKeys flow = flow(algorithm, context.params());
        boolean useFastBias = flow.fast();
        BiasCorrectionParameters bc = BiasCorrectionParameters.parse(algorithm, context.params(), defaultThreshold(flow));
        boolean canCorrect = caps.contains(BackendCapability.BIAS_CORRECTION);

        MinMaxQuantization.Prepared prepared = MinMaxQuantization.prepare(model, mm, caps);
        // FastBiasCorrection after another algorithm (POT's pipeline) corrects that algorithm's plan
        QuantizationPlan previous = org.pot4j.engine.algorithms.biascorrection.FastBiasCorrection.NAME.equals(algorithm)
                ? AlgorithmSupport.previousPlan(context).filter(pp -> !pp.isEmpty()).orElse(null) : null;
        List<QuantizableNode> candidates = canCorrect ? BiasCorrector.candidates(prepared.selection().quantized()) : List.of();
        if (previous != null) {
            candidates = candidates.stream().filter(n -> previous.weights().containsKey(n.id())).toList();
        }
        StatisticsRequest request = new StatisticsRequest();
        if (previous == null) {
            request.merge(prepared.request()); // the ranges come from the previous plan otherwise
        }
        request.merge(BiasCorrector.request(candidates));
        var collector = AlgorithmSupport.collector(context);
        StatisticsResult stats = request.isEmpty() ? null
                : collector.collect(model, QuantizationPlan.EMPTY, context.calibration(), request, mm.collectionOptions(), context.progress());
        QuantizationPlan plan = previous != null ? previous : MinMaxQuantization.buildPlan(model, prepared, stats, algorithm);

        Map<String, Object> report = new LinkedHashMap<>(MinMaxQuantization.report(prepared, plan));
        if (previous != null) {
            report.put("started_from", "the previous algorithm's plan");
        }
        if (stats != null) {
            report.put("statistics_samples", stats.sampleCount());
            report.put("statistics_tensors", stats.tensors().size());
            report.put("statistics_seconds", Math.round(stats.seconds() * 1000) / 1000.0);
        }
        String biasStatus;
        if (!canCorrect) {
            biasStatus = "off (backend " + model.backendName() + " cannot apply bias shifts)";
        } else {
            BiasCorrector corrector = new BiasCorrector(model, context.calibration(), mm.collectionOptions(), bc, collector,
                    context.progress());
            if (stats != null) {
                corrector.withFp32Statistics(candidates, stats);
            }
            BiasCorrectionOutcome outcome = useFastBias ? corrector.correct(plan) : corrector.correctSequentially(plan);
            plan = outcome.plan().toBuilder()
                    .metadata("bias_shifts_applied", Integer.toString(outcome.applied().size()))
                    .build();
            report.putAll(outcome.report());
            biasStatus = (useFastBias ? "fast" : "sequential") + " (threshold " + bc.threshold() + ")";
        }
        report.put("bias_correction", biasStatus);
        plan = plan.toBuilder().metadata("bias_correction", biasStatus).build();
        report.put("seconds", AlgorithmSupport.secondsSince(start));
        return QuantizationResult.completed(plan, report);
    }
}
