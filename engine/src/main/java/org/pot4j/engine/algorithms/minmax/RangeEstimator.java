package org.pot4j.engine.algorithms.minmax;

import java.util.Locale;
import java.util.Set;
import org.pot4j.engine.config.ConfigErrors;
import org.pot4j.engine.statistics.Aggregator;
import org.pot4j.engine.statistics.StatisticKind;
import org.pot4j.engine.statistics.StatisticSpec;

/**
 * How an activation range is estimated from calibration data: a statistic for its low end and one
 * for its high end, each a per-sample reduction folded by an aggregator (POT's
 * {@code range_estimator: {preset, min: {type, aggregator, outlier_prob}, max: {...}}}).
 *
 * <p>Presets follow POT for per-tensor activations: {@code default} takes the mean over samples of
 * the per-sample maximum (absolute maximum when symmetric) and, when asymmetric, of the per-sample
 * minimum; {@code quantile} replaces them by the per-sample {@code 1 - outlier_prob} /
 * {@code outlier_prob} quantiles (1e-4). Symmetric quantizers use the minimum only to decide
 * whether the tensor is non-negative (then unsigned), so their minimum is the global one. The
 * flat shortcuts {@code min_max} (global minimum and maximum), {@code mean_min_max} (= default) and
 * {@code quantile} name the common cases.
 *
 * @param min         statistic for the low end of the range
 * @param max         statistic for the high end of the range
 * @param description what was chosen, for plan metadata and reports
 */
public record RangeEstimator(StatisticSpec min, StatisticSpec max, String description) {
    /** POT's default outlier probability for the quantile estimators. */
    public static final double DEFAULT_OUTLIER_PROB = 1e-4;

    /** The flat {@code range_estimator} shortcuts. */
    public static final Set<String> SHORTCUTS = Set.of("min_max", "mean_min_max", "quantile");

    private static final Set<String> PRESETS = Set.of("default", "quantile");

    /**
     * Resolves the estimator of activations from {@code given} (a shortcut string or a POT map, as
     * written at {@code path}; null: the {@code default} preset). The caller picks
     * {@code activations.range_estimator} when given, else the algorithm-level {@code range_estimator}.
     */
    static RangeEstimator resolve(Object given, boolean symmetric, String algorithm, String path) {
        if (given == null) {
            return preset("default", symmetric);
        }
        if (!(given instanceof java.util.Map)) {
            String shortcut = MinMaxKeys.choice(String.valueOf(given), SHORTCUTS, algorithm, path);
            switch (shortcut) {
                case "min_max":
                    return new RangeEstimator(StatisticSpec.min(Aggregator.MIN),
                            symmetric ? StatisticSpec.absMax(Aggregator.MAX) : StatisticSpec.max(Aggregator.MAX), "min_max");
                case "quantile":
                    return preset("quantile", symmetric);
                default:
                    return preset("default", symmetric).described("mean_min_max");
            }
        }
        MinMaxKeys.Estimator re = MinMaxKeys.nested(given, MinMaxKeys.Estimator.class, algorithm, path,
                "{preset: quantile}");
        String presetName = re.preset() == null ? "default"
                : MinMaxKeys.choice(re.preset(), PRESETS, algorithm, path + ".preset");
        RangeEstimator base = preset(presetName, symmetric);
        StatisticSpec min = override(re.min(), base.min, false, algorithm, path + ".min");
        StatisticSpec max = override(re.max(), base.max, true, algorithm, path + ".max");
        String desc = presetName + (re.min() != null || re.max() != null ? " (min: " + min + ", max: " + max + ")" : "");
        return new RangeEstimator(min, max, desc);
    }

    /** POT's per-tensor activation presets. */
    static RangeEstimator preset(String name, boolean symmetric) {
        if (name.equals("quantile")) {
            double hi = 1 - DEFAULT_OUTLIER_PROB;
            return symmetric
                    ? new RangeEstimator(StatisticSpec.min(Aggregator.MIN), StatisticSpec.absQuantile(hi, Aggregator.MEAN), "quantile")
                    : new RangeEstimator(StatisticSpec.quantile(DEFAULT_OUTLIER_PROB, Aggregator.MEAN),
                            StatisticSpec.quantile(hi, Aggregator.MEAN), "quantile");
        }
        return symmetric
                ? new RangeEstimator(StatisticSpec.min(Aggregator.MIN), StatisticSpec.absMax(Aggregator.MEAN), "default")
                : new RangeEstimator(StatisticSpec.min(Aggregator.MEAN), StatisticSpec.max(Aggregator.MEAN), "default");
    }

    private RangeEstimator described(String d) {
        return new RangeEstimator(min, max, d);
    }

    private static StatisticSpec override(MinMaxKeys.Side p, StatisticSpec base, boolean high, String algorithm,
                                          String path) {
        if (p == null) {
            return base;
        }
        if (p.granularity() != null && MinMaxKeys.choice(p.granularity(), Set.of("pertensor", "perchannel"), algorithm,
                path + ".granularity").equals("perchannel")) {
            throw ConfigErrors.invalid(null, path + ".granularity", "of " + MinMaxKeys.where(algorithm)
                    + " is perchannel; activation ranges are per tensor in pot4j, use pertensor");
        }
        Aggregator aggregator = p.aggregator() != null ? Aggregator.fromConfig(p.aggregator(), path + ".aggregator")
                : base.aggregator();
        Set<String> types = high ? Set.of("max", "abs_max", "quantile", "abs_quantile") : Set.of("min", "quantile");
        String type = p.type() == null ? typeName(base.kind()) : MinMaxKeys.choice(p.type(), types, algorithm, path + ".type");
        double outlier = p.outlierProb() != null ? p.outlierProb()
                : base.quantile() > 0 ? (high ? 1 - base.quantile() : base.quantile()) : DEFAULT_OUTLIER_PROB;
        if (!(outlier >= 0 && outlier < 0.5)) {
            throw ConfigErrors.invalid(null, path + ".outlier_prob", "of " + MinMaxKeys.where(algorithm)
                    + " must be in [0, 0.5), not " + outlier);
        }
        switch (type) {
            case "min": return StatisticSpec.min(aggregator);
            case "max": return StatisticSpec.max(aggregator);
            case "abs_max": return StatisticSpec.absMax(aggregator);
            case "abs_quantile": return StatisticSpec.absQuantile(1 - outlier, aggregator);
            default: return StatisticSpec.quantile(high ? 1 - outlier : outlier, aggregator);
        }
    }

    private static String typeName(StatisticKind kind) {
        return kind.name().toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return description;
    }
}
