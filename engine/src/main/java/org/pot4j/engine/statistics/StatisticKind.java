package org.pot4j.engine.statistics;

/**
 * What a reducer computes from the values of a tensor. The per-sample kinds reduce each sample
 * (one index of the batch dimension) to one number, which an {@link Aggregator} then folds over
 * the samples, as POT's {@code type} + {@code aggregator} pairs do. {@link #CHANNEL_MEAN} keeps one
 * running mean per channel instead (FastBiasCorrection's per-channel output means).
 */
public enum StatisticKind {
    /** Smallest value of a sample (POT {@code min}). */
    MIN,
    /** Largest value of a sample (POT {@code max}). */
    MAX,
    /** Largest absolute value of a sample (POT {@code abs_max}). */
    ABS_MAX,
    /** The {@code q}-quantile of a sample's values (POT {@code quantile}). */
    QUANTILE,
    /** The {@code q}-quantile of a sample's absolute values (POT {@code abs_quantile}). */
    ABS_QUANTILE,
    /** Mean per channel over every sample and every non-channel axis. */
    CHANNEL_MEAN,
    /** Largest absolute value per channel over every sample and every non-channel axis (outlier channels). */
    CHANNEL_ABS_MAX;

    /** True for the kinds that reduce one sample to one number. */
    public boolean perSample() {
        return this != CHANNEL_MEAN && this != CHANNEL_ABS_MAX;
    }
}
