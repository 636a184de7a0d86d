package org.pot4j.engine.algorithms.biascorrection;

import java.util.Map;
import java.util.Set;
import org.pot4j.api.param.Range;
import org.pot4j.engine.config.ConfigErrors;
import org.pot4j.engine.config.ParamBinder;

/**
 * Bias correction parameters: {@code threshold} (NNCF, default 2.0 for the fast correction and
 * 1000 for the sequential one; {@code fast_bias_threshold} is accepted as DefaultQuantization's
 * spelling) and {@code apply_for_all_nodes} (NNCF/POT; only
 * {@code false} is supported, as in NNCF).
 *
 * @param threshold a shift is applied only when {@code max |shift / bias|} is below it
 */
public record BiasCorrectionParameters(double threshold) {
    /** NNCF's FAST_BIAS_CORRECTION_THRESHOLD. */
    public static final double DEFAULT_THRESHOLD = 2.0;

    /** NNCF's BIAS_CORRECTION_THRESHOLD, the default of the sequential (non-fast) correction. */
    public static final double SEQUENTIAL_THRESHOLD = 1000.0;

    /** The parameter names read here. */
    public static final Set<String> NAMES = ParamBinder.keys(Keys.class);

    /** Validates. */
    public BiasCorrectionParameters {
        if (!(threshold > 0) || Double.isNaN(threshold)) {
            throw new IllegalArgumentException("threshold must be positive: " + threshold);
        }
    }

    /** Parses with the fast-correction default threshold; other keys are left to the caller. */
    public static BiasCorrectionParameters parse(String algorithm, Map<String, ?> params) {
        return parse(algorithm, params, DEFAULT_THRESHOLD);
    }

    /** Parses with {@code defaultThreshold} when no threshold is given. */
    public static BiasCorrectionParameters parse(String algorithm, Map<String, ?> params, double defaultThreshold) {
        Keys k = ParamBinder.bindKnown(params, Keys.class, "algorithm '" + algorithm + "'", "params");
        double threshold = k.threshold() != null ? k.threshold() : defaultThreshold;
        if (k.fastBiasThreshold() != null) {
            if (k.threshold() != null && !k.fastBiasThreshold().equals(k.threshold())) {
                throw ConfigErrors.invalid(null, "params.fast_bias_threshold", "of algorithm '" + algorithm + "' ("
                        + k.fastBiasThreshold() + ") contradicts threshold (" + threshold + "); give only one");
            }
            threshold = k.fastBiasThreshold();
        }
        if (Boolean.TRUE.equals(k.applyForAllNodes())) {
            throw ConfigErrors.invalid(null, "params.apply_for_all_nodes", "of algorithm '" + algorithm + "' is true; bias"
                    + " correction only shifts existing biases (as NNCF), set it to false");
        }
        return new BiasCorrectionParameters(threshold);
    }

    /** The keys as given (null = absent), bound and range-checked by the {@link ParamBinder}. */
    record Keys(@Range(min = 0, minExclusive = true) Double threshold,
                @Range(min = 0, minExclusive = true) Double fastBiasThreshold,
                Boolean applyForAllNodes) {
    }
}
