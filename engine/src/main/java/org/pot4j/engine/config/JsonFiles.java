package org.pot4j.engine.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.io.AtomicFiles;
import org.pot4j.api.Pot4jException;

/**
 * JSON helpers shared by configs, plans and reports: one configured {@link ObjectMapper}, writing
 * a file through a temporary sibling then a move (never half-written), and freezing plain values.
 */
public final class JsonFiles {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private JsonFiles() {
    }

    /**
     * The shared mapper: pretty output with sorted map keys, strict duplicate detection, and
     * floating-point numbers read as {@code BigDecimal} so a float written by pot4j reads back to
     * the exact same float.
     */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** Writes {@code value} as pretty JSON to {@code file} through a temporary sibling. */
    public static void write(Path file, Object value) {
        try {
            writeString(file, MAPPER.writeValueAsString(value) + System.lineSeparator());
        } catch (IOException e) {
            throw new Pot4jException(ErrorCode.IO_FAILURE, "cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** Writes text to {@code file} through a temporary sibling, then moves it into place. */
    public static void writeString(Path file, String text) {
        AtomicFiles.writeString(file, text);
    }

    /** A deep, unmodifiable copy of plain JSON-like values (maps, lists, scalars; nulls kept). */
    @SuppressWarnings("unchecked")
    public static Object freeze(Object value) {
        if (value instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, v) -> out.put(String.valueOf(k), freeze(v)));
            return Collections.unmodifiableMap(out);
        }
        if (value instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            l.forEach(v -> out.add(freeze(v)));
            return Collections.unmodifiableList(out);
        }
        if (value instanceof java.math.BigDecimal d) {
            return d.doubleValue();
        }
        return value;
    }

    /** {@link #freeze} for a map. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> freezeMap(Map<String, ?> map) {
        return map == null ? Map.of() : (Map<String, Object>) freeze(map);
    }
}
