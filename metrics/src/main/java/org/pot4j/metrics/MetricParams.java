package org.pot4j.metrics;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;

/**
 * Validated access to a metric's config parameters. Every problem is an {@code UNKNOWN_METRIC}
 * error naming the metric, the offending key and the valid keys, because configs are written by
 * hand and a misspelt {@code topk} must not silently fall back to the default.
 */
final class MetricParams {
    private final String metric;
    private final Map<String, Object> params;
    private final Set<String> valid;

    private MetricParams(String metric, Map<String, Object> params, Set<String> valid) {
        this.metric = metric;
        this.params = params;
        this.valid = valid;
    }

    /**
     * Checks that {@code params} (null means none) only uses {@code valid} keys.
     *
     * @throws Pot4jException {@code UNKNOWN_METRIC} naming the first unknown key and the valid ones
     */
    static MetricParams check(String metric, Map<String, Object> params, Set<String> valid) {
        Map<String, Object> p = params == null ? Map.of() : params;
        for (String key : new TreeSet<>(p.keySet())) {
            if (!valid.contains(key)) {
                throw new Pot4jException(ErrorCode.UNKNOWN_METRIC, "metric '" + metric + "' has no parameter '" + key
                        + "'; valid parameters: " + describe(valid));
            }
        }
        return new MetricParams(metric, p, valid);
    }

    /** An integer parameter, {@code fallback} when absent, at least {@code min}. */
    int integer(String key, int fallback, int min) {
        Integer v = optionalInteger(key);
        if (v == null) {
            return fallback;
        }
        if (v < min) {
            throw bad(key, params.get(key), "an integer >= " + min);
        }
        return v;
    }

    /** An integer parameter that may be negative (an axis), or null when absent. */
    Integer optionalInteger(String key) {
        Object raw = params.get(key);
        if (raw == null) {
            return null;
        }
        if (raw instanceof Integer || raw instanceof Long || raw instanceof Short || raw instanceof Byte) {
            long l = ((Number) raw).longValue();
            if (l == (int) l) {
                return (int) l;
            }
        } else if (raw instanceof Number n) {
            double d = n.doubleValue();
            if (d == Math.rint(d) && Math.abs(d) <= Integer.MAX_VALUE) {
                return (int) d;
            }
        } else if (raw instanceof String s) {
            try {
                return Integer.parseInt(s.trim());
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        throw bad(key, raw, "an integer");
    }

    /** A string parameter, {@code fallback} when absent; when {@code choices} is not empty it must be one of them. */
    String string(String key, String fallback, Set<String> choices) {
        Object raw = params.get(key);
        if (raw == null) {
            return fallback;
        }
        if (!(raw instanceof String s) || s.isBlank() || (!choices.isEmpty() && !choices.contains(s))) {
            throw bad(key, raw, choices.isEmpty() ? "a non-empty string" : "one of " + describe(choices));
        }
        return s;
    }

    private Pot4jException bad(String key, Object raw, String what) {
        return new Pot4jException(ErrorCode.UNKNOWN_METRIC, "metric '" + metric + "': parameter '" + key + "' must be "
                + what + " but is '" + raw + "'; valid parameters: " + describe(valid));
    }

    static String describe(Set<String> valid) {
        return valid.isEmpty() ? "(none)" : String.join(", ", new TreeSet<>(valid));
    }
}
