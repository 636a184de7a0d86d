package org.pot4j.engine.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Path;
import java.util.Map;
import org.pot4j.api.io.AtomicFiles;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;

/** Turns a report (JSON-friendly maps, lists, numbers, strings) into pretty JSON and writes it atomically. */
public final class ReportJson {
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ReportJson() {
    }

    /** The report as indented JSON; NaN and infinities become strings. */
    public static String toJson(Map<String, ?> report) {
        try {
            return MAPPER.writeValueAsString(report);
        } catch (JsonProcessingException e) {
            throw new Pot4jException(ErrorCode.INTERNAL, "report is not JSON-serializable: " + e.getOriginalMessage(), e);
        }
    }

    /** Writes the report to {@code target} (temp file, then move). */
    public static void write(Path target, Map<String, ?> report) {
        AtomicFiles.writeString(target, toJson(report) + "\n");
    }
}
