package org.pot4j.api.param;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;

/**
 * The convention by which a plugin describes its parameters (JDK only, so plugins need nothing but
 * the api): a {@code record} whose components are the keys, in camelCase for the config's snake_case
 * ({@code outputIndex} is {@code output_index}). The engine binds a config's parameter map to it once,
 * when the config loads: unknown keys fail with "did you mean" and the valid keys, wrong types and
 * {@link Range}s name the key, and an {@link IllegalArgumentException} from the record's compact
 * constructor becomes a config error naming the parameters. Absent keys take their values from the
 * record's static no-argument {@code defaults()} method (absent it: null, false, 0).
 *
 * <pre>{@code
 * public record Params(@Range(min = 1) int topK) {
 *     static Params defaults() { return new Params(1); }
 * }
 * }</pre>
 */
public final class Parameters {
    private Parameters() {
    }

    /**
     * The config key of a component: its name in snake_case, by the rule the engine's binder uses
     * ({@code topK} is {@code top_k}, a run of capitals one word: {@code maxURL} is {@code max_url}).
     */
    public static String key(RecordComponent component) {
        String name = component.getName();
        StringBuilder b = new StringBuilder(name.length() + 4);
        boolean previousUpper = false;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isUpperCase(c)) {
                if (!previousUpper && b.length() > 0 && b.charAt(b.length() - 1) != '_') {
                    b.append('_');
                }
                b.append(Character.toLowerCase(c));
                previousUpper = true;
            } else {
                b.append(c);
                previousUpper = false;
            }
        }
        return b.toString();
    }

    /** The keys {@code type} takes, sorted. */
    public static Set<String> keys(Class<? extends Record> type) {
        Set<String> keys = new TreeSet<>();
        for (RecordComponent c : type.getRecordComponents()) {
            keys.add(key(c));
        }
        return Collections.unmodifiableSet(keys);
    }

    /**
     * The parameters used when none is given: the record's static {@code defaults()}; without one, the
     * record made of null, false and 0 (what the binder gives an absent key); null when that record's
     * constructor refuses those values.
     */
    public static <P extends Record> P defaults(Class<P> type) {
        try {
            Method m = type.getDeclaredMethod("defaults");
            if (Modifier.isStatic(m.getModifiers()) && m.getParameterCount() == 0 && m.getReturnType() == type) {
                m.setAccessible(true); // parameter records are often package-private
                return type.cast(m.invoke(null));
            }
        } catch (NoSuchMethodException e) {
            // no defaults() method: every component takes its type's zero value
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot call " + type.getName() + ".defaults()", e);
        }
        RecordComponent[] components = type.getRecordComponents();
        Class<?>[] types = new Class<?>[components.length];
        Object[] zeros = new Object[components.length];
        for (int i = 0; i < components.length; i++) {
            types[i] = components[i].getType();
            zeros[i] = zero(types[i]);
        }
        try {
            Constructor<P> c = type.getDeclaredConstructor(types);
            c.setAccessible(true);
            return c.newInstance(zeros);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException) {
                return null; // the record needs values: it declares no defaults
            }
            throw new IllegalStateException("cannot create " + type.getName(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot create " + type.getName(), e);
        }
    }

    private static Object zero(Class<?> t) {
        if (!t.isPrimitive()) {
            return null;
        }
        if (t == boolean.class) {
            return false;
        }
        if (t == char.class) {
            return (char) 0;
        }
        if (t == double.class) {
            return 0.0;
        }
        if (t == float.class) {
            return 0f;
        }
        if (t == long.class) {
            return 0L;
        }
        if (t == int.class) {
            return 0;
        }
        return t == short.class ? (Object) (short) 0 : (Object) (byte) 0;
    }
}
