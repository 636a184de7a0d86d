package org.pot4j.engine.algorithms.accuracyaware;

import java.util.Locale;

/**
 * How an accuracy drop is measured (POT {@code drop_type}, NNCF {@code DropType}).
 * The sign follows the metric's direction: a positive drop is always a worse quantized model.
 */
public enum DropType {
    /** {@code baseline - quantized} (higher-better) or {@code quantized - baseline} (higher-worse). */
    ABSOLUTE,
    /** The absolute drop divided by {@code |baseline|}. */
    RELATIVE;

    /** Smallest baseline magnitude a relative drop divides by (a 0 baseline would give infinities). */
    static final double MIN_BASELINE = 1e-12;

    /** The drop of {@code value} against {@code baseline}. */
    public double drop(double baseline, double value, boolean higherBetter) {
        double d = higherBetter ? baseline - value : value - baseline;
        return this == ABSOLUTE ? d : d / Math.max(Math.abs(baseline), MIN_BASELINE);
    }

    /**
     * The one {@code drop_type} rule (config, Java API): {@code absolute} or {@code relative}, any case.
     *
     * @throws org.pot4j.api.Pot4jException {@code CONFIG_INVALID} naming the value
     */
    public static DropType parse(Object value) {
        String s = String.valueOf(value).toLowerCase(Locale.ROOT);
        if (s.equals("absolute")) {
            return ABSOLUTE;
        }
        if (s.equals("relative")) {
            return RELATIVE;
        }
        throw org.pot4j.engine.config.ConfigErrors.invalid(null, "drop_type", "must be 'absolute' or 'relative', got '"
                + value + "'");
    }

    /** The config spelling. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
