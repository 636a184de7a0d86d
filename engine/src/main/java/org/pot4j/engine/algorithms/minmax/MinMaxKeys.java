package org.pot4j.engine.algorithms.minmax;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.pot4j.api.param.Range;
import org.pot4j.engine.config.ConfigErrors;
import org.pot4j.engine.config.ParamBinder;

/**
 * The MinMax / DefaultQuantization parameters as written (null = absent), bound by the engine's one
 * {@link ParamBinder} when the config loads; {@link MinMaxParameters#parse} resolves them (defaults
 * that depend on the preset, the model type and the backend's capabilities). A key that takes two
 * shapes (POT's {@code range_estimator} shortcut or map, {@code ignored} list or map,
 * {@code outlier_channels} boolean or map) is kept as given and bound by shape with the same binder
 * under its own key path ({@link #nested}).
 */
record MinMaxKeys(String targetDevice, String preset, @Range(min = 1) Integer statSubsetSize,
                  @Range(min = 0) Integer statBatchSize, Boolean shuffleData, Long seed, Object ignored,
                  Object ignoredScope, String modelType, Object activations, Object weights, Object rangeEstimator,
                  Boolean inplaceStatistics) {

    /** {@code activations: {bits, mode, granularity, range_estimator, outlier_channels}}. */
    record Activations(@Range(min = 2, max = 16) Integer bits, String mode, String granularity, Object rangeEstimator,
                       Object outlierChannels) {
    }

    /** {@code weights: {bits, mode, granularity, range_estimator}}. */
    record Weights(@Range(min = 2, max = 16) Integer bits, String mode, String granularity, Object rangeEstimator) {
    }

    /** POT's {@code range_estimator: {preset, min: {...}, max: {...}}}. */
    record Estimator(String preset, Side min, Side max) {
    }

    /** One end of a range estimator. */
    record Side(String type, String aggregator, Double outlierProb, String granularity) {
    }

    /** {@code outlier_channels: {ratio, max_channels}}. */
    record Outliers(Double ratio, @Range(min = 0, max = 1024) Integer maxChannels) {
    }

    /** NNCF's {@code ignored_scope} / POT's {@code ignored} as a map ({@code scope}, {@code names}: a name or a list, numbers as text). */
    record Ignored(Object scope, List<Operation> operations, Object names, List<String> types,
                   List<String> kinds, List<String> patterns, List<String> regex, Boolean validate) {
    }

    /** POT's {@code ignored.operations[i]}. */
    record Operation(String type, Map<String, Object> attributes) {
    }

    /** Binds {@code value} (a map at {@code path}) to {@code type}, or fails naming {@code path} and {@code example}. */
    static <T extends Record> T nested(Object value, Class<T> type, String algorithm, String path, String example) {
        if (!(value instanceof Map<?, ?> m)) {
            throw ConfigErrors.invalid(null, path, "of " + where(algorithm) + " must be a map such as " + example
                    + ", got " + value);
        }
        @SuppressWarnings("unchecked")
        Map<String, ?> map = (Map<String, ?>) m;
        return ParamBinder.bind(map, type, where(algorithm), path);
    }

    /** {@code value} trimmed and lower-case if it is one of {@code allowed} (POT's names are case-insensitive). */
    static String choice(String value, Set<String> allowed, String algorithm, String path) {
        String lower = value.trim().toLowerCase(Locale.ROOT);
        if (!allowed.contains(lower)) {
            throw ConfigErrors.invalid(null, path, "of " + where(algorithm) + " is '" + value + "'; use one of "
                    + new TreeSet<>(allowed));
        }
        return lower;
    }

    /** How messages name the algorithm. */
    static String where(String algorithm) {
        return "algorithm '" + algorithm + "'";
    }
}
