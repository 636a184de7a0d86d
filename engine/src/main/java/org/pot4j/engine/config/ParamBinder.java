package org.pot4j.engine.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.param.Parameters;
import org.pot4j.api.param.Range;

/**
 * The one typed parameter binder: a parameter map (a config's {@code params}, a dataset spec, an
 * executor object) is bound by Jackson to a record whose components are the snake_case keys
 * (component {@code statSubsetSize} is key {@code stat_subset_size}, or name it with
 * {@link JsonProperty}). Unknown keys fail with "did you mean" and the valid keys, values of the
 * wrong type name the key and the expected type, {@link Range} components are range-checked, and
 * an {@link IllegalArgumentException} from the record's constructor becomes a
 * {@code CONFIG_INVALID} naming the parameters. Absent keys take their values from the record's
 * static no-argument {@code defaults()} method when it has one (else null / Jackson's defaults).
 * Several records may share one parameter map ({@link #bindKnown}); its unknown keys are then
 * checked once, against the union of their {@link #keys}.
 */
public final class ParamBinder {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .addModule(wholeNumbers())
            // true/false only: a number is not a boolean (Jackson would read 3 as true)
            .withCoercionConfig(LogicalType.Boolean, c -> c.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail))
            // a string is written as one: 7 is not a Spark master URL nor a path (a record that takes numbers as
            // text, such as Spark's conf values, says so with an Object component)
            .withCoercionConfig(LogicalType.Textual, c -> c.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .build();

    private static final PropertyNamingStrategies.NamingBase SNAKE =
            (PropertyNamingStrategies.NamingBase) PropertyNamingStrategies.SNAKE_CASE;

    private ParamBinder() {
    }

    /**
     * Binds {@code params} to {@code type}.
     *
     * @param where   what the parameters belong to, for messages, e.g. {@code "algorithm 'MinMaxQuantization'"}
     * @param prefix  the path of the parameter object, e.g. {@code "params"} (keys print as {@code params.key})
     * @throws Pot4jException {@code CONFIG_UNKNOWN_KEY} or {@code CONFIG_INVALID}
     */
    public static <T extends Record> T bind(Map<String, ?> params, Class<T> type, String where, String prefix) {
        Map<String, Object> values = new LinkedHashMap<>();
        T defaults = defaultsOf(type);
        if (defaults != null) {
            for (RecordComponent c : type.getRecordComponents()) {
                values.put(key(c), read(c, defaults));
            }
        }
        if (params != null) {
            Set<String> known = keys(type);
            // a key given as null (YAML "top_k:") keeps its default, as an absent key does
            params.forEach((k, v) -> {
                if (v != null || !known.contains(k)) {
                    values.put(k, v);
                }
            });
        }
        T bound;
        try {
            bound = MAPPER.convertValue(values, type);
        } catch (IllegalArgumentException e) {
            throw translate(e, type, where, prefix);
        }
        checkRanges(bound, where, prefix);
        return bound;
    }

    /** Checks the {@code Range}s of {@code bound}'s components, and of the records it holds. */
    private static void checkRanges(Record bound, String where, String prefix) {
        for (RecordComponent c : bound.getClass().getRecordComponents()) {
            Object v = read(c, bound);
            org.pot4j.api.param.Required required = c.getAnnotation(org.pot4j.api.param.Required.class);
            if (required != null && (v == null || v instanceof String str && str.isBlank())) {
                throw ConfigErrors.invalid(null, path(prefix, key(c)), "of " + where + " is required"
                        + (required.value().isEmpty() ? "" : " (" + required.value() + ")"));
            }
            if (v instanceof Record nested) {
                checkRanges(nested, where, path(prefix, key(c)));
                continue;
            }
            Range r = c.getAnnotation(Range.class);
            if (!(v instanceof Number n) || r == null) {
                continue;
            }
            double min = r.min();
            double max = r.max();
            boolean minExclusive = r.minExclusive();
            double d = n.doubleValue();
            boolean low = minExclusive ? !(d > min) : !(d >= min);
            if (low || !(d <= max)) {
                throw ConfigErrors.invalid(null, path(prefix, key(c)), "of " + where + " must be "
                        + range(min, max, minExclusive) + ", got " + v);
            }
        }
    }

    /** As {@link #bind} over the keys of {@code params} that {@code type} takes (the others belong to other records). */
    public static <T extends Record> T bindKnown(Map<String, ?> params, Class<T> type, String where, String prefix) {
        Set<String> keys = keys(type);
        Map<String, Object> mine = new LinkedHashMap<>();
        if (params != null) {
            params.forEach((k, v) -> {
                if (keys.contains(k)) {
                    mine.put(k, v);
                }
            });
        }
        return bind(mine, type, where, prefix);
    }

    /**
     * Fails with {@code CONFIG_UNKNOWN_KEY} ("did you mean", the valid keys) on a key of {@code params}
     * outside {@code valid}: for a parameter map several records share ({@link #bindKnown}).
     */
    public static void requireKnown(Map<String, ?> params, Set<String> valid, String where, String prefix) {
        if (params == null) {
            return;
        }
        for (String key : new TreeSet<>(params.keySet())) {
            if (!valid.contains(key)) {
                throw ConfigErrors.unknownKey(null, path(prefix, key), key, valid, where);
            }
        }
    }

    /** The keys {@code type} takes. */
    public static Set<String> keys(Class<? extends Record> type) {
        Set<String> keys = new TreeSet<>();
        for (RecordComponent c : type.getRecordComponents()) {
            keys.add(key(c));
        }
        return keys;
    }

    private static Pot4jException translate(IllegalArgumentException e, Class<? extends Record> type, String where,
                                            String prefix) {
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        if (cause instanceof UnrecognizedPropertyException u) {
            Set<String> valid = new TreeSet<>();
            if (u.getKnownPropertyIds() != null) {
                u.getKnownPropertyIds().forEach(k -> valid.add(String.valueOf(k)));
            }
            return ConfigErrors.unknownKey(null, path(prefix, jsonPath(u)), u.getPropertyName(),
                    valid.isEmpty() ? keys(type) : valid, where);
        }
        if (cause instanceof InvalidFormatException || cause instanceof MismatchedInputException) {
            JsonMappingException j = (JsonMappingException) cause;
            String key = j.getPath().isEmpty() ? "?" : jsonPath(j);
            Class<?> target = cause instanceof MismatchedInputException m ? m.getTargetType() : null;
            return ConfigErrors.invalid(null, path(prefix, key), "of " + where + " must be "
                    + (target == null ? "of another type" : describe(target)));
        }
        Throwable root = cause;
        while (root.getCause() != null && !(root instanceof IllegalArgumentException && root != cause)) {
            root = root.getCause();
        }
        if (root instanceof InvocationTargetException ite && ite.getCause() != null) {
            root = ite.getCause();
        }
        String message = root.getMessage() == null ? root.toString() : root.getMessage();
        return new Pot4jException(ErrorCode.CONFIG_INVALID, where + ": " + (prefix == null ? "" : prefix + ": ") + message, e);
    }

    /** {@code a.b[2].c} from a mapping exception's reference chain. */
    private static String jsonPath(JsonMappingException e) {
        StringBuilder b = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                b.append(b.length() == 0 ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                b.append('[').append(r.getIndex()).append(']');
            }
        }
        return b.toString();
    }

    private static String describe(Class<?> t) {
        if (t == int.class || t == Integer.class || t == long.class || t == Long.class) {
            return "a whole number";
        }
        if (t == double.class || t == Double.class || t == float.class || t == Float.class) {
            return "a number";
        }
        if (t == boolean.class || t == Boolean.class) {
            return "true or false";
        }
        if (t == String.class) {
            return "a string";
        }
        if (t.isRecord()) {
            @SuppressWarnings("unchecked")
            Class<? extends Record> r = (Class<? extends Record>) t;
            return "a map of " + keys(r);
        }
        if (t.isEnum()) {
            Set<String> names = new TreeSet<>();
            for (Object c : t.getEnumConstants()) {
                names.add(c.toString());
            }
            return "one of " + names;
        }
        return "a " + t.getSimpleName();
    }

    private static String key(RecordComponent c) {
        JsonProperty p = c.getAnnotation(JsonProperty.class);
        if (p == null && c.getAccessor().getAnnotation(JsonProperty.class) != null) {
            p = c.getAccessor().getAnnotation(JsonProperty.class);
        }
        if (p != null && !p.value().isEmpty()) {
            return p.value();
        }
        return SNAKE.translate(c.getName());
    }

    private static Object read(RecordComponent c, Object instance) {
        try {
            java.lang.reflect.Method accessor = c.getAccessor();
            accessor.trySetAccessible(); // parameter records are often package-private
            return accessor.invoke(instance);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot read " + c.getName(), e);
        }
    }

    private static <T extends Record> T defaultsOf(Class<T> type) {
        return Parameters.defaults(type);
    }

    /**
     * Whole-number components accept an integral float ({@code 300.0}) or a numeric string, as configs
     * written by hand and YAML give them, but never a fraction ({@code 2.5} is an error, not 2).
     */
    private static SimpleModule wholeNumbers() {
        SimpleModule m = new SimpleModule("pot4j-whole-numbers");
        m.addDeserializer(Integer.class, new WholeNumber<>(Integer.class, Integer.MIN_VALUE, Integer.MAX_VALUE, l -> (int) l));
        m.addDeserializer(int.class, new WholeNumber<>(Integer.class, Integer.MIN_VALUE, Integer.MAX_VALUE, l -> (int) l));
        m.addDeserializer(Long.class, new WholeNumber<>(Long.class, Long.MIN_VALUE, Long.MAX_VALUE, l -> l));
        m.addDeserializer(long.class, new WholeNumber<>(Long.class, Long.MIN_VALUE, Long.MAX_VALUE, l -> l));
        return m;
    }

    private static final class WholeNumber<T> extends StdScalarDeserializer<T> {
        private final Class<T> type;
        private final long min;
        private final long max;
        private final java.util.function.LongFunction<T> box;

        WholeNumber(Class<T> type, long min, long max, java.util.function.LongFunction<T> box) {
            super(type);
            this.type = type;
            this.min = min;
            this.max = max;
            this.box = box;
        }

        @Override
        public T deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            JsonToken t = p.currentToken();
            double d;
            if (t == JsonToken.VALUE_NUMBER_INT) {
                d = p.getNumberValue().doubleValue();
                if (p.getNumberType() != JsonParser.NumberType.BIG_INTEGER && p.getLongValue() >= min && p.getLongValue() <= max) {
                    return box.apply(p.getLongValue());
                }
            } else if (t == JsonToken.VALUE_NUMBER_FLOAT) {
                d = p.getDoubleValue();
            } else if (t == JsonToken.VALUE_STRING) {
                try {
                    d = Double.parseDouble(p.getText().trim());
                } catch (NumberFormatException e) {
                    throw InvalidFormatException.from(p, "not a whole number", p.getText(), type);
                }
            } else {
                return type.cast(ctxt.handleUnexpectedToken(type, p));
            }
            if (d != Math.rint(d) || d < min || d > max) {
                throw InvalidFormatException.from(p, "not a whole number", d, type);
            }
            return box.apply((long) d);
        }
    }

    private static String path(String prefix, String key) {
        return prefix == null || prefix.isEmpty() ? key : prefix + "." + key;
    }

    private static String range(double min, double max, boolean minExclusive) {
        if (Double.isInfinite(max)) {
            return (minExclusive ? "greater than " : "at least ") + fmt(min);
        }
        if (Double.isInfinite(min)) {
            return "at most " + fmt(max);
        }
        return "in " + (minExclusive ? "(" : "[") + fmt(min) + ", " + fmt(max) + "]";
    }

    private static String fmt(double d) {
        return d == Math.rint(d) && !Double.isInfinite(d) ? Long.toString((long) d) : Double.toString(d);
    }
}
