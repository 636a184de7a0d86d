package org.pot4j.engine.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;

/** Typed access to a dataset provider's parameters, with one-line errors naming the provider and key. */
final class DatasetParams {
    private final String type;
    private final Map<String, Object> params;
    private final Path baseDir;

    DatasetParams(String type, Map<String, Object> params, Path baseDir) {
        this.type = type;
        this.params = params == null ? Map.of() : params;
        this.baseDir = baseDir == null ? Path.of("") : baseDir;
    }

    boolean has(String key) {
        return params.get(key) != null;
    }

    /** A required or optional path (null when optional and absent), resolved against the base folder. */
    Path path(String key, boolean required) {
        Object v = params.get(key);
        if (v == null) {
            if (required) {
                throw new Pot4jException(ErrorCode.CONFIG_INVALID, type + " dataset needs '" + key + "' (a path)");
            }
            return null;
        }
        if (!(v instanceof String s) || s.isBlank()) {
            throw wrongType(key, "a path string", v);
        }
        return baseDir.resolve(s).normalize();
    }

    /** Like {@link #path} but the file or folder must exist. */
    Path existing(String key, boolean required) {
        Path p = path(key, required);
        if (p != null && !Files.exists(p)) {
            throw new Pot4jException(ErrorCode.FILE_NOT_FOUND, type + " dataset: " + key + " " + p
                    + " does not exist; check the path (relative paths resolve against the config's folder)");
        }
        return p;
    }

    double number(String key, double dflt) {
        Object v = params.get(key);
        if (v == null) {
            return dflt;
        }
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        throw wrongType(key, "a number", v);
    }

    /** A number or a list of numbers (e.g. per-channel mean). */
    double[] numbers(String key, double dflt) {
        Object v = params.get(key);
        if (v == null) {
            return new double[] {dflt};
        }
        if (v instanceof Number n) {
            return new double[] {n.doubleValue()};
        }
        if (v instanceof List<?> list && !list.isEmpty()) {
            double[] out = new double[list.size()];
            for (int i = 0; i < out.length; i++) {
                if (!(list.get(i) instanceof Number n)) {
                    throw wrongType(key, "a number or a list of numbers", v);
                }
                out[i] = n.doubleValue();
            }
            return out;
        }
        throw wrongType(key, "a number or a list of numbers", v);
    }

    boolean bool(String key, boolean dflt) {
        Object v = params.get(key);
        if (v == null) {
            return dflt;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        throw wrongType(key, "true or false", v);
    }

    String string(String key, String dflt) {
        Object v = params.get(key);
        if (v == null) {
            return dflt;
        }
        if (v instanceof String s) {
            return s;
        }
        throw wrongType(key, "a string", v);
    }

    /** A string or a list of strings; null when absent. */
    List<String> strings(String key) {
        Object v = params.get(key);
        if (v == null) {
            return null;
        }
        if (v instanceof String s) {
            return List.of(s);
        }
        if (v instanceof List<?> list) {
            List<String> out = new ArrayList<>();
            for (Object o : list) {
                if (!(o instanceof String s)) {
                    throw wrongType(key, "a list of strings", v);
                }
                out.add(s);
            }
            return out;
        }
        throw wrongType(key, "a list of strings", v);
    }

    Object raw(String key) {
        return params.get(key);
    }

    Pot4jException wrongType(String key, String expected, Object got) {
        return new Pot4jException(ErrorCode.CONFIG_INVALID, type + " dataset: '" + key + "' must be " + expected
                + ", got " + (got instanceof String ? "'" + got + "'" : String.valueOf(got)));
    }

    static Pot4jException invalid(Path file, String problem) {
        return new Pot4jException(ErrorCode.DATASET_INVALID, file + ": " + problem);
    }
}
