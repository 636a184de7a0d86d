package org.pot4j.engine.statistics;

import java.util.Objects;

/**
 * One statistic requested for a tensor. Two algorithms asking for equal specs of the same tensor
 * share one reducer, which is how the statistics pass is merged.
 *
 * @param kind        what to reduce
 * @param aggregator  how per-sample values are folded over samples (null for {@link StatisticKind#CHANNEL_MEAN})
 * @param quantile    the quantile in [0, 1] for the quantile kinds, else 0
 * @param channelAxis the channel axis of the full tensor (batch axis included, negative counts
 *                    from the end) for {@link StatisticKind#CHANNEL_MEAN}, else 0
 */
public record StatisticSpec(StatisticKind kind, Aggregator aggregator, double quantile, int channelAxis) {
    /** Validates. */
    public StatisticSpec {
        Objects.requireNonNull(kind, "kind");
        if (kind.perSample()) {
            Objects.requireNonNull(aggregator, "aggregator");
            channelAxis = 0;
        } else {
            aggregator = null;
        }
        boolean quantileKind = kind == StatisticKind.QUANTILE || kind == StatisticKind.ABS_QUANTILE;
        if (quantileKind && !(quantile >= 0 && quantile <= 1)) {
            throw new IllegalArgumentException("quantile must be in [0, 1]: " + quantile);
        }
        if (!quantileKind) {
            quantile = 0;
        }
    }

    /** Per-sample minimum, aggregated. */
    public static StatisticSpec min(Aggregator aggregator) {
        return new StatisticSpec(StatisticKind.MIN, aggregator, 0, 0);
    }

    /** Per-sample maximum, aggregated. */
    public static StatisticSpec max(Aggregator aggregator) {
        return new StatisticSpec(StatisticKind.MAX, aggregator, 0, 0);
    }

    /** Per-sample maximum of absolute values, aggregated. */
    public static StatisticSpec absMax(Aggregator aggregator) {
        return new StatisticSpec(StatisticKind.ABS_MAX, aggregator, 0, 0);
    }

    /** Per-sample {@code q}-quantile, aggregated. */
    public static StatisticSpec quantile(double q, Aggregator aggregator) {
        return new StatisticSpec(StatisticKind.QUANTILE, aggregator, q, 0);
    }

    /** Per-sample {@code q}-quantile of absolute values, aggregated. */
    public static StatisticSpec absQuantile(double q, Aggregator aggregator) {
        return new StatisticSpec(StatisticKind.ABS_QUANTILE, aggregator, q, 0);
    }

    /** Mean per channel along {@code axis} (of the batched tensor). */
    public static StatisticSpec channelMean(int axis) {
        return new StatisticSpec(StatisticKind.CHANNEL_MEAN, null, 0, axis);
    }

    /** Largest absolute value per channel along {@code axis} (of the batched tensor). */
    public static StatisticSpec channelAbsMax(int axis) {
        return new StatisticSpec(StatisticKind.CHANNEL_ABS_MAX, null, 0, axis);
    }

    @Override
    public String toString() {
        String base = kind.name().toLowerCase(java.util.Locale.ROOT);
        if (!kind.perSample()) {
            return base + "(axis " + channelAxis + ")";
        }
        String q = quantile > 0 ? "(" + quantile + ")" : "";
        return aggregator.configName() + " of " + base + q;
    }
}
