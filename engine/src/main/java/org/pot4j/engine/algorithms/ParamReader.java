package org.pot4j.engine.algorithms;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;

/**
 * Typed, validated access to an algorithm's snake_case parameters (as Jackson parsed them from
 * JSON/YAML, or as a Java caller built them). Every wrong type or unknown nested key becomes one
 * {@code CONFIG_INVALID} / {@code CONFIG_UNKNOWN_KEY} message naming the path of the key.
 */
public final class ParamReader {
    private final String path;
    private final Map<String, Object> values;

    /**
     * Reads {@code values}; {@code path} names them in messages (e.g. {@code "DefaultQuantization"}).
     */
    public ParamReader(String path, Map<String, ?> values) {
        this.path = path;
        this.values = values == null ? Map.of() : new LinkedHashMap<>(values);
    }

    /** The raw map. */
    public Map<String, Object> values() {
        return values;
    }

    /** True when {@code key} is given (and not null). */
    public boolean has(String key) {
        return values.get(key) != null;
    }

    /** Fails with {@code CONFIG_UNKNOWN_KEY} when a key is not in {@code allowed}. */
    public ParamReader requireKnownKeys(Collection<String> allowed) {
        for (String k : values.keySet()) {
            if (!allowed.contains(k)) {
                throw new Pot4jException(ErrorCode.CONFIG_UNKNOWN_KEY, "unknown key '" + k + "' in " + path
                        + "; valid keys: " + new TreeSet<>(allowed));
            }
        }
        return this;
    }

    /** A string (numbers and booleans are accepted as their text), or {@code def}. */
    public String string(String key, String def) {
        Object v = values.get(key);
        if (v == null) {
            return def;
        }
        if (v instanceof String || v instanceof Number || v instanceof Boolean) {
            return v.toString();
        }
        throw invalid(key, v, "a string");
    }

    /** One of {@code allowed} (case-insensitive, returned lower-case), or {@code def}. */
    public String choice(String key, String def, Set<String> allowed) {
        String v = string(key, def);
        if (v == null) {
            return null;
        }
        String lower = v.trim().toLowerCase(Locale.ROOT);
        if (!allowed.contains(lower)) {
            throw new Pot4jException(ErrorCode.CONFIG_INVALID, where(key) + " is '" + v + "'; use one of " + new TreeSet<>(allowed));
        }
        return lower;
    }

    /** An integer, or {@code def}. */
    public int integer(String key, int def) {
        Object v = values.get(key);
        if (v == null) {
            return def;
        }
        double d = number(key, v);
        if (d != Math.rint(d) || Math.abs(d) > Integer.MAX_VALUE) {
            throw invalid(key, v, "an integer");
        }
        return (int) d;
    }

    /** A long, or {@code def}. */
    public long longValue(String key, long def) {
        Object v = values.get(key);
        if (v == null) {
            return def;
        }
        double d = number(key, v);
        if (d != Math.rint(d)) {
            throw invalid(key, v, "an integer");
        }
        return v instanceof Long n ? n : (long) d;
    }

    /** A number, or {@code def}. */
    public double decimal(String key, double def) {
        Object v = values.get(key);
        return v == null ? def : number(key, v);
    }

    /** A boolean (also "true"/"false" strings), or {@code def}. */
    public boolean bool(String key, boolean def) {
        Object v = values.get(key);
        if (v == null) {
            return def;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        if (v instanceof String s && (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false"))) {
            return Boolean.parseBoolean(s);
        }
        throw invalid(key, v, "true or false");
    }

    /** A nested map as a reader (empty when absent). */
    public ParamReader map(String key) {
        Object v = values.get(key);
        if (v == null) {
            return new ParamReader(where(key), Map.of());
        }
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> copy = new LinkedHashMap<>();
            m.forEach((k, x) -> copy.put(String.valueOf(k), x));
            return new ParamReader(where(key), copy);
        }
        throw invalid(key, v, "a map");
    }

    /** True when {@code key} holds a map. */
    public boolean isMap(String key) {
        return values.get(key) instanceof Map;
    }

    /** A list of strings; a single string counts as a one-element list. */
    public List<String> strings(String key) {
        Object v = values.get(key);
        List<String> out = new ArrayList<>();
        if (v == null) {
            return out;
        }
        if (v instanceof String s) {
            out.add(s);
            return out;
        }
        if (v instanceof Collection<?> c) {
            for (Object o : c) {
                if (!(o instanceof String || o instanceof Number)) {
                    throw invalid(key, v, "a list of strings");
                }
                out.add(o.toString());
            }
            return out;
        }
        throw invalid(key, v, "a list of strings");
    }

    /** A list of maps as readers. */
    public List<ParamReader> maps(String key) {
        Object v = values.get(key);
        List<ParamReader> out = new ArrayList<>();
        if (v == null) {
            return out;
        }
        if (!(v instanceof Collection<?> c)) {
            throw invalid(key, v, "a list of maps");
        }
        int i = 0;
        for (Object o : c) {
            if (!(o instanceof Map<?, ?> m)) {
                throw invalid(key, v, "a list of maps");
            }
            Map<String, Object> copy = new LinkedHashMap<>();
            m.forEach((k, x) -> copy.put(String.valueOf(k), x));
            out.add(new ParamReader(where(key) + "[" + i++ + "]", copy));
        }
        return out;
    }

    /** The dotted path of {@code key}, for messages. */
    public String where(String key) {
        return path + "." + key;
    }

    /** A {@code CONFIG_INVALID} error about {@code key}. */
    public Pot4jException invalid(String key, String problem) {
        return new Pot4jException(ErrorCode.CONFIG_INVALID, where(key) + " " + problem);
    }

    private double number(String key, Object v) {
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        if (v instanceof String s) {
            try {
                return Double.parseDouble(s.trim());
            } catch (NumberFormatException e) {
                throw invalid(key, v, "a number");
            }
        }
        throw invalid(key, v, "a number");
    }

    private Pot4jException invalid(String key, Object v, String expected) {
        return new Pot4jException(ErrorCode.CONFIG_INVALID, where(key) + " must be " + expected + ", not '" + v + "'");
    }
}
