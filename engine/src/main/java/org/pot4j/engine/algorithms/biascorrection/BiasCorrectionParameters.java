package org.pot4j.engine.algorithms.biascorrection;

import java.util.Map;
import java.util.Set;
import org.pot4j.engine.algorithms.ParamReader;

/**
 * FastBiasCorrection's parameters: {@code threshold} (NNCF, default 2.0; {@code fast_bias_threshold}
 * is accepted as DefaultQuantization's spelling) and {@code apply_for_all_nodes} (NNCF/POT; only
 * {@code false} is supported, as in NNCF).
 *
 * @param threshold a shift is applied only when {@code max |shift / bias|} is below it
 */
public record BiasCorrectionParameters(double threshold) {
    /** NNCF's FAST_BIAS_CORRECTION_THRESHOLD. */
    public static final double DEFAULT_THRESHOLD = 2.0;

    /** The parameter names read here. */
    public static final Set<String> NAMES = Set.of("threshold", "fast_bias_threshold", "apply_for_all_nodes");

    /** Validates. */
    public BiasCorrectionParameters {
        if (!(threshold > 0) || Double.isNaN(threshold)) {
            throw new IllegalArgumentException("threshold must be positive: " + threshold);
        }
    }

    /** Parses; other keys are left to the caller. */
    public static BiasCorrectionParameters parse(String algorithm, Map<String, ?> params) {
        ParamReader p = new ParamReader(algorithm, params);
        double threshold = p.decimal("threshold", DEFAULT_THRESHOLD);
        if (p.has("fast_bias_threshold")) {
            double alias = p.decimal("fast_bias_threshold", DEFAULT_THRESHOLD);
            if (p.has("threshold") && alias != threshold) {
                throw p.invalid("fast_bias_threshold", "(" + alias + ") contradicts threshold (" + threshold + "); give only one");
            }
            threshold = alias;
        }
        if (!(threshold > 0)) {
            throw p.invalid("threshold", "must be positive, not " + threshold);
        }
        if (p.bool("apply_for_all_nodes", false)) {
            throw p.invalid("apply_for_all_nodes", "is true; bias correction only shifts existing biases (as NNCF), set it to false");
        }
        return new BiasCorrectionParameters(threshold);
    }
}
