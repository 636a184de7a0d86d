package org.pot4j.text;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;

/** Reads the sentences of a text dataset file (UTF-8), keeping each one's line number for error messages. */
final class TextSource {
    /** One sentence and the 1-based line of the file it came from. */
    record Line(String text, int number) {
    }

    private TextSource() {
    }

    static List<Line> read(Path file, TextFormat format, String column, boolean hasHeader, char delimiter) {
        if (format != TextFormat.TXT && (column == null || column.isBlank())) {
            throw new Pot4jException(ErrorCode.CONFIG_INVALID, "text dataset: " + file.getFileName() + " is read as "
                    + format.name().toLowerCase() + ", which needs 'column' (the field that holds the sentence)");
        }
        List<Line> out = new ArrayList<>();
        int csvColumn = -1;
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int number = 0;
            while ((line = in.readLine()) != null) {
                number++;
                if (number == 1 && line.startsWith("\uFEFF")) {
                    line = line.substring(1);
                }
                if (line.isBlank()) {
                    continue;
                }
                switch (format) {
                    case TXT -> out.add(new Line(line.strip(), number));
                    case JSONL -> out.add(new Line(jsonField(line, column, file, number), number));
                    case CSV -> {
                        List<String> fields = csvFields(line, delimiter, file, number);
                        if (csvColumn < 0) {
                            csvColumn = csvColumn(fields, column, hasHeader, file);
                            if (hasHeader) {
                                continue;
                            }
                        }
                        if (csvColumn >= fields.size()) {
                            throw invalid(file, number, "has " + fields.size() + " fields, no column " + column);
                        }
                        out.add(new Line(fields.get(csvColumn).strip(), number));
                    }
                    default -> throw new IllegalStateException(format.name());
                }
            }
        } catch (CharacterCodingException e) {
            throw new Pot4jException(ErrorCode.DATASET_INVALID, file + ": not UTF-8 text (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new Pot4jException(ErrorCode.DATASET_INVALID, file + ": cannot read (" + e.getMessage() + ")", e);
        }
        if (out.isEmpty()) {
            throw new Pot4jException(ErrorCode.DATASET_EMPTY, file + ": holds no sentence");
        }
        for (Line l : out) {
            if (l.text().isEmpty()) {
                throw invalid(file, l.number(), "has an empty sentence");
            }
        }
        return out;
    }

    private static String jsonField(String line, String column, Path file, int number) {
        JsonElement e;
        try {
            e = JsonParser.parseString(line);
        } catch (JsonParseException ex) {
            throw invalid(file, number, "is not one JSON value (" + ex.getMessage() + ")");
        }
        if (!(e instanceof JsonObject o)) {
            throw invalid(file, number, "is not a JSON object");
        }
        JsonElement v = o.get(column);
        if (v == null || !v.isJsonPrimitive() || !v.getAsJsonPrimitive().isString()) {
            throw invalid(file, number, "has no string field '" + column + "' (fields: " + o.keySet() + ")");
        }
        return v.getAsString();
    }

    private static int csvColumn(List<String> first, String column, boolean hasHeader, Path file) {
        if (hasHeader) {
            for (int i = 0; i < first.size(); i++) {
                if (first.get(i).strip().equals(column.strip())) {
                    return i;
                }
            }
            throw new Pot4jException(ErrorCode.CONFIG_INVALID, "text dataset: column '" + column + "' is not in the header of "
                    + file.getFileName() + "; columns: " + first);
        }
        try {
            int i = Integer.parseInt(column.strip());
            if (i >= 0 && i < first.size()) {
                return i;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new Pot4jException(ErrorCode.CONFIG_INVALID, "text dataset: with has_header: false, 'column' must be a 0-based index"
                + " below " + first.size() + ", got '" + column + "'");
    }

    /** One CSV record on one line; fields may be double-quoted ({@code ""} inside quotes is a quote). */
    private static List<String> csvFields(String line, char delim, Path file, int number) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (quoted) {
                if (ch == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    cur.append('"');
                    i++;
                } else if (ch == '"') {
                    quoted = false;
                } else {
                    cur.append(ch);
                }
            } else if (ch == '"') {
                quoted = true;
            } else if (ch == delim) {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(ch);
            }
        }
        if (quoted) {
            throw invalid(file, number, "has an unclosed quote (a record must fit on one line)");
        }
        out.add(cur.toString());
        return out;
    }

    private static Pot4jException invalid(Path file, int number, String problem) {
        return new Pot4jException(ErrorCode.DATASET_INVALID, file + ": line " + number + " " + problem);
    }
}
