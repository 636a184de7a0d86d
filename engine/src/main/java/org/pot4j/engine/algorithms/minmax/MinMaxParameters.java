package org.pot4j.engine.algorithms.minmax;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.pot4j.api.model.BackendCapability;
import org.pot4j.engine.algorithms.BackendCapabilities;
import org.pot4j.engine.config.ConfigErrors;
import org.pot4j.engine.config.ParamBinder;
import org.pot4j.engine.statistics.CollectionOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The POT DefaultQuantization / MinMaxQuantization parameters pot4j understands, with POT's
 * defaults: {@code target_device} ANY, {@code preset} performance, {@code stat_subset_size} 300,
 * {@code stat_batch_size} automatic, {@code shuffle_data} false, {@code seed} 0, no ignored
 * scope, no {@code model_type}, 8-bit per-tensor activations with the {@code default} range
 * estimator, 8-bit symmetric per-channel weights with absolute-maximum ranges.
 *
 * @param algorithm          algorithm name, for messages and metadata
 * @param targetDevice       upper-case target device (accepted for compatibility; every device gets the same plan)
 * @param preset             quantization preset
 * @param statSubsetSize     samples for statistics
 * @param statBatchSize      batch size for statistics, 0 for automatic
 * @param shuffleData        pick a random subset
 * @param seed               seed of that subset
 * @param ignored            nodes kept in FP32
 * @param transformer        {@code model_type: transformer}
 * @param activationBits     activation bits
 * @param symmetricActivations activation mode
 * @param activationRange    activation range estimator
 * @param weightBits         weight bits
 * @param convWeightBits     bits of convolution weights (rank 3 and up): 7 where the backend's integer
 *                           kernels saturate and the user set no bits (ORT's reduce_range), else weightBits
 * @param perChannelWeights  weight granularity asked for (per channel unless the backend cannot)
 * @param weightOutlierProb  0 for absolute-maximum weight ranges, else the quantile outlier probability
 * @param dynamicActivations inputs of linear MatMuls quantized at run time ({@code activations.mode: dynamic},
 *                           see {@link ActivationModeDefault} for the default)
 * @param outliers           which channels of a dynamic input are computed in float ({@code activations.outlier_channels})
 */
public record MinMaxParameters(
        String algorithm,
        String targetDevice,
        Preset preset,
        int statSubsetSize,
        int statBatchSize,
        boolean shuffleData,
        long seed,
        IgnoredScope ignored,
        boolean transformer,
        int activationBits,
        boolean symmetricActivations,
        RangeEstimator activationRange,
        int weightBits,
        int convWeightBits,
        boolean perChannelWeights,
        double weightOutlierProb,
        boolean dynamicActivations,
        OutlierChannels outliers) {

    private static final Logger LOG = LoggerFactory.getLogger(MinMaxParameters.class);

    /** Parameter names this record reads (all POT DefaultQuantization quantization keys). */
    public static final Set<String> NAMES = ParamBinder.keys(MinMaxKeys.class);

    /**
     * The devices a plan can be made for. pot4j runs on the backends' CPU runtimes and every device
     * gets the same plan, so only the two values meaning "this CPU" are accepted: OpenVINO's
     * GPU/NPU/CPU_SPR would be accepted and then ignored (seed conformance, issue 17).
     */
    private static final Set<String> DEVICES = Set.of("any", "cpu");

    /** Parses and validates for a backend with every feature and no limitation. */
    public static MinMaxParameters parse(String algorithm, Map<String, ?> params) {
        return parse(algorithm, params, BackendCapabilities.assumed());
    }

    /**
     * Binds (the engine's {@link ParamBinder}) and resolves; keys outside {@link #NAMES} are left to
     * the caller. Asymmetric activations fall back to symmetric (with a warning) when the backend lacks
     * {@link BackendCapability#ASYMMETRIC_ACTIVATIONS}.
     */
    public static MinMaxParameters parse(String algorithm, Map<String, ?> params, Set<BackendCapability> caps) {
        MinMaxKeys k = ParamBinder.bindKnown(params, MinMaxKeys.class, MinMaxKeys.where(algorithm), "params");
        String givenDevice = k.targetDevice() == null ? "any" : k.targetDevice();
        if (!DEVICES.contains(givenDevice.trim().toLowerCase(Locale.ROOT))) {
            throw ConfigErrors.invalid(null, "params.target_device", "of " + MinMaxKeys.where(algorithm) + " is '"
                    + givenDevice + "': pot4j quantizes for the backends' CPU runtimes and makes the same plan for any"
                    + " device; use ANY or CPU");
        }
        String device = givenDevice.trim().toUpperCase(Locale.ROOT);
        Preset preset = Preset.valueOf(MinMaxKeys.choice(k.preset() == null ? "performance" : k.preset(),
                Set.of("performance", "mixed"), algorithm, "params.preset").toUpperCase(Locale.ROOT));
        int subset = k.statSubsetSize() == null ? CollectionOptions.DEFAULT_SUBSET_SIZE : k.statSubsetSize();
        int batch = k.statBatchSize() == null ? 0 : k.statBatchSize();
        boolean shuffle = Boolean.TRUE.equals(k.shuffleData());
        long seed = k.seed() == null ? 0 : k.seed();
        // inplace_statistics is accepted for POT compatibility; statistics are always streamed
        boolean transformer = k.modelType() != null
                && MinMaxKeys.choice(k.modelType(), Set.of("transformer"), algorithm, "params.model_type") != null;
        IgnoredScope ignored = IgnoredScope.parse(k.ignored(), k.ignoredScope(), algorithm);

        MinMaxKeys.Activations act = k.activations() == null
                ? new MinMaxKeys.Activations(null, null, null, null, null)
                : MinMaxKeys.nested(k.activations(), MinMaxKeys.Activations.class, algorithm, "params.activations",
                        "{bits: 8, range_estimator: {preset: quantile}}");
        int actBits = act.bits() == null ? 8 : act.bits();
        String presetMode = preset.symmetricActivations() ? "symmetric" : "asymmetric";
        String actMode = act.mode() == null ? presetMode
                : MinMaxKeys.choice(act.mode(), Set.of("symmetric", "asymmetric", "dynamic"), algorithm,
                        "params.activations.mode");
        boolean dynamic = act.mode() != null ? actMode.equals("dynamic") : ActivationModeDefault.dynamic(transformer, caps);
        if (dynamic && !caps.contains(BackendCapability.DYNAMIC_ACTIVATIONS)) {
            LOG.warn("{}: the backend cannot quantize activations at run time; using static activations", algorithm);
            dynamic = false;
        }
        if (actMode.equals("dynamic")) {
            // dynamic covers the linear layers' inputs; the other quantized tensors follow the preset
            actMode = presetMode;
        }
        if (act.granularity() != null && MinMaxKeys.choice(act.granularity(), Set.of("pertensor", "perchannel"), algorithm,
                "params.activations.granularity").equals("perchannel")) {
            throw ConfigErrors.invalid(null, "params.activations.granularity", "of " + MinMaxKeys.where(algorithm)
                    + " is perchannel; activations are quantized per tensor in pot4j, use pertensor");
        }
        boolean symmetric = actMode.equals("symmetric");
        if (!symmetric && !caps.contains(BackendCapability.ASYMMETRIC_ACTIVATIONS)) {
            LOG.warn("{}: the backend has no asymmetric activation quantizers; using symmetric activations instead of {}",
                    algorithm, preset.configName());
            symmetric = true;
        }
        RangeEstimator range = act.rangeEstimator() != null
                ? RangeEstimator.resolve(act.rangeEstimator(), symmetric, algorithm, "params.activations.range_estimator")
                : RangeEstimator.resolve(k.rangeEstimator(), symmetric, algorithm, "params.range_estimator");
        OutlierChannels outliers = OutlierChannels.parse(act.outlierChannels(), dynamic, caps, algorithm);

        MinMaxKeys.Weights w = k.weights() == null ? new MinMaxKeys.Weights(null, null, null, null)
                : MinMaxKeys.nested(k.weights(), MinMaxKeys.Weights.class, algorithm, "params.weights",
                        "{bits: 8, granularity: perchannel}");
        int wBits = w.bits() == null ? 8 : w.bits();
        int convBits = wBits;
        if (w.bits() == null && caps.contains(BackendCapability.SATURATING_INT8_KERNELS)) {
            // ORT's reduce_range, for convolutions only: 7-bit weights keep uint8 x int8 pair sums inside
            // int16 on CPUs without VNNI (MNIST ResNet: 0.85 -> 0.05 point drop), while MiniLM's MatMuls lose
            // far more to the coarser grid (cosine 0.98 -> 0.75) than to saturation
            convBits = 7;
            LOG.info("{}: the backend's int8 kernels saturate on this CPU; using 7-bit convolution weights"
                    + " (set weights.bits to override)", algorithm);
        }
        if (w.mode() != null && MinMaxKeys.choice(w.mode(), Set.of("symmetric", "asymmetric"), algorithm,
                "params.weights.mode").equals("asymmetric")) {
            throw ConfigErrors.invalid(null, "params.weights.mode", "of " + MinMaxKeys.where(algorithm) + " is asymmetric;"
                    + " pot4j stores weights as symmetric signed integers (both presets), use symmetric");
        }
        boolean perChannel = w.granularity() == null || MinMaxKeys.choice(w.granularity(),
                Set.of("perchannel", "pertensor"), algorithm, "params.weights.granularity").equals("perchannel");
        double wOutlier = w.rangeEstimator() != null
                ? weightOutlierProb(w.rangeEstimator(), algorithm, "params.weights.range_estimator")
                : weightOutlierProb(k.rangeEstimator(), algorithm, "params.range_estimator");
        return new MinMaxParameters(algorithm, device, preset, subset, batch, shuffle, seed, ignored, transformer,
                actBits, symmetric, range, wBits, convBits, perChannel, wOutlier, dynamic, outliers);
    }

    /** POT: weights use {@code abs_max}, or {@code abs_quantile} under the {@code quantile} preset. */
    private static double weightOutlierProb(Object given, String algorithm, String path) {
        if (given == null) {
            return 0;
        }
        if (!(given instanceof Map)) {
            String s = MinMaxKeys.choice(String.valueOf(given), RangeEstimator.SHORTCUTS, algorithm, path);
            return s.equals("quantile") ? RangeEstimator.DEFAULT_OUTLIER_PROB : 0;
        }
        MinMaxKeys.Estimator re = MinMaxKeys.nested(given, MinMaxKeys.Estimator.class, algorithm, path, "{max: {type: abs_max}}");
        boolean quantile = re.preset() != null
                && MinMaxKeys.choice(re.preset(), Set.of("default", "quantile"), algorithm, path + ".preset").equals("quantile");
        MinMaxKeys.Side max = re.max() == null ? new MinMaxKeys.Side(null, null, null, null) : re.max();
        String type = max.type() == null ? (quantile ? "abs_quantile" : "abs_max") : max.type().toLowerCase(Locale.ROOT);
        boolean q = type.equals("abs_quantile") || type.equals("quantile");
        if (!q && !type.equals("abs_max") && !type.equals("max")) {
            throw ConfigErrors.invalid(null, path + ".max.type", "of " + MinMaxKeys.where(algorithm) + " is '" + type
                    + "'; weight ranges use abs_max or abs_quantile");
        }
        double prob = max.outlierProb() == null ? RangeEstimator.DEFAULT_OUTLIER_PROB : max.outlierProb();
        if (q && !(prob > 0 && prob < 0.5)) {
            throw ConfigErrors.invalid(null, path + ".max.outlier_prob", "of " + MinMaxKeys.where(algorithm)
                    + " must be in (0, 0.5), not " + prob);
        }
        return q ? prob : 0;
    }

    /** Collection options for the statistics pass. */
    public CollectionOptions collectionOptions() {
        return new CollectionOptions(statSubsetSize, statBatchSize, shuffleData, seed, CollectionOptions.STAGE);
    }

    /** What was used, for the plan's metadata (saved in the model). */
    public Map<String, String> metadata() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("preset", preset.configName());
        m.put("target_device", targetDevice);
        m.put("stat_subset_size", Integer.toString(statSubsetSize));
        if (transformer) {
            m.put("model_type", "transformer");
        }
        m.put("activations", activationBits + "-bit " + (symmetricActivations ? "symmetric" : "asymmetric")
                + ", range_estimator " + activationRange.description()
                + (dynamicActivations ? ", linear-layer inputs dynamic" + outliers.description() : ""));
        m.put("weights", (convWeightBits != weightBits ? weightBits + "-bit (convolutions " + convWeightBits + "-bit)"
                : weightBits + "-bit") + " symmetric " + (perChannelWeights ? "perchannel" : "pertensor")
                + (weightOutlierProb > 0 ? ", abs_quantile " + weightOutlierProb : ", abs_max"));
        if (!ignored.isEmpty()) {
            List<String> parts = new java.util.ArrayList<>();
            parts.addAll(ignored.names());
            ignored.types().forEach(t -> parts.add("type:" + t));
            ignored.patterns().forEach(x -> parts.add("pattern:" + x.pattern()));
            m.put("ignored", String.join(",", parts));
        }
        return m;
    }
}
