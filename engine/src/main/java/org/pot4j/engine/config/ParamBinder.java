package org.pot4j.engine.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;

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
            .build();

    private static final PropertyNamingStrategies.NamingBase SNAKE =
            (PropertyNamingStrategies.NamingBase) PropertyNamingStrategies.SNAKE_CASE;

    private ParamBinder() {
    }

    /** A range a numeric component must lie in (inclusive unless said otherwise). */
    @Retention(RetentionPolicy.RUNTIME)
    @Target({ElementType.RECORD_COMPONENT, ElementType.FIELD, ElementType.PARAMETER, ElementType.METHOD})
    public @interface Range {
        /** Smallest allowed value. */
        double min() default Double.NEGATIVE_INFINITY;

        /** Largest allowed value. */
        double max() default Double.POSITIVE_INFINITY;

        /** Whether {@code min} itself is excluded. */
        boolean minExclusive() default false;
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
            values.putAll(params);
        }
        T bound;
        try {
            bound = MAPPER.convertValue(values, type);
        } catch (IllegalArgumentException e) {
            throw translate(e, type, where, prefix);
        }
        for (RecordComponent c : type.getRecordComponents()) {
            Range r = c.getAnnotation(Range.class);
            Object v = read(c, bound);
            if (r != null && v instanceof Number n) {
                double d = n.doubleValue();
                boolean low = r.minExclusive() ? !(d > r.min()) : !(d >= r.min());
                if (low || !(d <= r.max())) {
                    throw ConfigErrors.invalid(null, path(prefix, key(c)), "of " + where + " must be in "
                            + (r.minExclusive() ? "(" : "[") + fmt(r.min()) + ", " + fmt(r.max()) + "], got " + v);
                }
            }
        }
        return bound;
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
            return ConfigErrors.unknownKey(null, path(prefix, u.getPropertyName()), u.getPropertyName(), keys(type), where);
        }
        if (cause instanceof InvalidFormatException || cause instanceof MismatchedInputException) {
            JsonMappingException j = (JsonMappingException) cause;
            String key = j.getPath().isEmpty() ? "?" : j.getPath().get(0).getFieldName();
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
        try {
            java.lang.reflect.Method m = type.getDeclaredMethod("defaults");
            if (!java.lang.reflect.Modifier.isStatic(m.getModifiers()) || m.getReturnType() != type) {
                return null;
            }
            m.setAccessible(true);
            return type.cast(m.invoke(null));
        } catch (NoSuchMethodException e) {
            return null;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot call " + type.getName() + ".defaults()", e);
        }
    }

    private static String path(String prefix, String key) {
        return prefix == null || prefix.isEmpty() ? key : prefix + "." + key;
    }

    private static String fmt(double d) {
        return d == Math.rint(d) && !Double.isInfinite(d) ? Long.toString((long) d) : Double.toString(d);
    }
}
