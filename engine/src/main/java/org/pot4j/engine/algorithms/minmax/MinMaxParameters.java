package org.pot4j.engine.algorithms.minmax;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.pot4j.api.model.BackendCapability;
import org.pot4j.engine.algorithms.BackendCapabilities;
import org.pot4j.engine.algorithms.ParamReader;
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
    public static final Set<String> NAMES = Set.of("target_device", "preset", "stat_subset_size", "stat_batch_size",
            "shuffle_data", "seed", "ignored", "ignored_scope", "model_type", "activations", "weights", "range_estimator",
            "inplace_statistics");

    /**
     * The devices a plan can be made for. pot4j runs on the backends' CPU runtimes and every device
     * gets the same plan, so only the two values meaning "this CPU" are accepted: OpenVINO's
     * GPU/NPU/CPU_SPR would be accepted and then ignored (seed conformance, issue 17).
     */
    private static final Set<String> DEVICES = Set.of("any", "cpu");
    private static final Set<String> ACTIVATION_KEYS = Set.of("bits", "mode", "granularity", "range_estimator",
            "outlier_channels");
    private static final Set<String> WEIGHT_KEYS = Set.of("bits", "mode", "granularity", "range_estimator");

    /** Parses and validates for a backend with every feature and no limitation. */
    public static MinMaxParameters parse(String algorithm, Map<String, ?> params) {
        return parse(algorithm, params, BackendCapabilities.assumed());
    }

    /**
     * Parses and validates; keys outside {@link #NAMES} are left to the caller. Asymmetric
     * activations fall back to symmetric (with a warning) when the backend lacks
     * {@link BackendCapability#ASYMMETRIC_ACTIVATIONS}.
     */
    public static MinMaxParameters parse(String algorithm, Map<String, ?> params, Set<BackendCapability> caps) {
        ParamReader p = new ParamReader(algorithm, params);
        String givenDevice = p.string("target_device", "any");
        if (!DEVICES.contains(givenDevice.trim().toLowerCase(Locale.ROOT))) {
            throw p.invalid("target_device", "is '" + givenDevice + "': pot4j quantizes for the backends' CPU runtimes and "
                    + "makes the same plan for any device; use ANY or CPU");
        }
        String device = p.choice("target_device", "any", DEVICES).toUpperCase(Locale.ROOT);
        Preset preset = Preset.valueOf(p.choice("preset", "performance", Set.of("performance", "mixed")).toUpperCase(Locale.ROOT));
        int subset = p.integer("stat_subset_size", CollectionOptions.DEFAULT_SUBSET_SIZE);
        if (subset <= 0) {
            throw p.invalid("stat_subset_size", "must be positive, not " + subset);
        }
        int batch = p.integer("stat_batch_size", 0);
        if (batch < 0) {
            throw p.invalid("stat_batch_size", "must not be negative, not " + batch);
        }
        boolean shuffle = p.bool("shuffle_data", false);
        long seed = p.longValue("seed", 0);
        p.bool("inplace_statistics", true); // accepted for POT compatibility; statistics are always streamed
        String modelType = p.choice("model_type", null, Set.of("transformer"));
        IgnoredScope ignored = IgnoredScope.parse(p);

        ParamReader act = p.isMap("activations") || !p.has("activations") ? p.map("activations") : null;
        if (act == null) {
            throw p.invalid("activations", "must be a map such as {bits: 8, range_estimator: {preset: quantile}}");
        }
        act.requireKnownKeys(ACTIVATION_KEYS);
        int actBits = bits(act);
        String presetMode = preset.symmetricActivations() ? "symmetric" : "asymmetric";
        String actMode = act.choice("mode", presetMode, Set.of("symmetric", "asymmetric", "dynamic"));
        boolean dynamic = act.has("mode") ? actMode.equals("dynamic")
                : ActivationModeDefault.dynamic(modelType != null, caps);
        if (dynamic && !caps.contains(BackendCapability.DYNAMIC_ACTIVATIONS)) {
            LOG.warn("{}: the backend cannot quantize activations at run time; using static activations", algorithm);
            dynamic = false;
        }
        if (actMode.equals("dynamic")) {
            // dynamic covers the linear layers' inputs; the other quantized tensors follow the preset
            actMode = presetMode;
        }
        if (act.choice("granularity", "pertensor", Set.of("pertensor", "perchannel")).equals("perchannel")) {
            throw act.invalid("granularity", "is perchannel; activations are quantized per tensor in pot4j, use pertensor");
        }
        boolean symmetric = actMode.equals("symmetric");
        if (!symmetric && !caps.contains(BackendCapability.ASYMMETRIC_ACTIVATIONS)) {
            LOG.warn("{}: the backend has no asymmetric activation quantizers; using symmetric activations instead of {}",
                    algorithm, preset.configName());
            symmetric = true;
        }
        RangeEstimator range = RangeEstimator.forActivations(p, act, symmetric);
        OutlierChannels outliers = OutlierChannels.parse(act, dynamic, caps);

        if (p.has("weights") && !p.isMap("weights")) {
            throw p.invalid("weights", "must be a map such as {bits: 8, granularity: perchannel}");
        }
        ParamReader w = p.map("weights").requireKnownKeys(WEIGHT_KEYS);
        int wBits = bits(w);
        int convBits = wBits;
        if (!w.has("bits") && caps.contains(BackendCapability.SATURATING_INT8_KERNELS)) {
            // ORT's reduce_range, for convolutions only: 7-bit weights keep uint8 x int8 pair sums inside
            // int16 on CPUs without VNNI (MNIST ResNet: 0.85 -> 0.05 point drop), while MiniLM's MatMuls lose
            // far more to the coarser grid (cosine 0.98 -> 0.75) than to saturation
            convBits = 7;
            LOG.info("{}: the backend's int8 kernels saturate on this CPU; using 7-bit convolution weights"
                    + " (set weights.bits to override)", algorithm);
        }
        if (w.choice("mode", "symmetric", Set.of("symmetric", "asymmetric")).equals("asymmetric")) {
            throw w.invalid("mode", "is asymmetric; pot4j stores weights as symmetric signed integers (both presets), use symmetric");
        }
        boolean perChannel = w.choice("granularity", "perchannel", Set.of("perchannel", "pertensor")).equals("perchannel");
        double wOutlier = weightOutlierProb(p, w);
        return new MinMaxParameters(algorithm, device, preset, subset, batch, shuffle, seed, ignored, modelType != null,
                actBits, symmetric, range, wBits, convBits, perChannel, wOutlier, dynamic, outliers);
    }

    private static int bits(ParamReader r) {
        int b = r.integer("bits", 8);
        if (b < 2 || b > 16) {
            throw r.invalid("bits", "must be in [2, 16], not " + b);
        }
        return b;
    }

    /** POT: weights use {@code abs_max}, or {@code abs_quantile} under the {@code quantile} preset. */
    private static double weightOutlierProb(ParamReader root, ParamReader w) {
        ParamReader owner = w.has("range_estimator") ? w : root;
        if (!owner.has("range_estimator")) {
            return 0;
        }
        if (!owner.isMap("range_estimator")) {
            String s = owner.choice("range_estimator", null, RangeEstimator.SHORTCUTS);
            return s.equals("quantile") ? RangeEstimator.DEFAULT_OUTLIER_PROB : 0;
        }
        ParamReader re = owner.map("range_estimator");
        boolean quantile = re.choice("preset", "default", Set.of("default", "quantile")).equals("quantile");
        ParamReader max = re.map("max");
        String type = max.string("type", quantile ? "abs_quantile" : "abs_max").toLowerCase(Locale.ROOT);
        boolean q = type.equals("abs_quantile") || type.equals("quantile");
        if (!q && !type.equals("abs_max") && !type.equals("max")) {
            throw max.invalid("type", "is '" + type + "'; weight ranges use abs_max or abs_quantile");
        }
        double prob = max.decimal("outlier_prob", RangeEstimator.DEFAULT_OUTLIER_PROB);
        if (q && !(prob > 0 && prob < 0.5)) {
            throw max.invalid("outlier_prob", "must be in (0, 0.5), not " + prob);
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
