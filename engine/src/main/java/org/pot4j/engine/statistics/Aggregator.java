package org.pot4j.engine.statistics;

import java.util.Arrays;
import java.util.Locale;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;

/**
 * How per-sample statistics are folded over the calibration samples (POT's {@code aggregator}).
 * Only aggregators with constant-size running state are offered, so memory never grows with the
 * number of samples.
 */
public enum Aggregator {
    /** Smallest per-sample value. */
    MIN,
    /** Largest per-sample value. */
    MAX,
    /** Mean of the per-sample values. */
    MEAN;

    /** The config spelling ({@code min}, {@code max}, {@code mean}). */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses a config value.
     *
     * @throws Pot4jException {@code CONFIG_INVALID} naming {@code where} and the valid values
     */
    public static Aggregator fromConfig(String value, String where) {
        for (Aggregator a : values()) {
            if (a.configName().equalsIgnoreCase(value.trim())) {
                return a;
            }
        }
        throw new Pot4jException(ErrorCode.CONFIG_INVALID, where + " aggregator '" + value + "' is not supported; use one of "
                + Arrays.stream(values()).map(Aggregator::configName).toList());
    }
}
