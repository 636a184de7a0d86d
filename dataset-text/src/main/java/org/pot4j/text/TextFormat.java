package org.pot4j.text;

import java.nio.file.Path;
import java.util.Locale;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;

/** How a text dataset file holds its sentences: one a line, or a column of JSON Lines / CSV records. */
enum TextFormat {
    TXT, JSONL, CSV;

    /** The format named in the config, else the one the file extension says ({@code .jsonl}, {@code .csv}, else text). */
    static TextFormat of(String configured, Path file) {
        if (configured != null) {
            try {
                return valueOf(configured.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new Pot4jException(ErrorCode.CONFIG_INVALID, "text dataset: 'format' must be one of [txt, jsonl, csv], got '"
                        + configured + "'");
            }
        }
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (n.endsWith(".jsonl") || n.endsWith(".ndjson")) {
            return JSONL;
        }
        return n.endsWith(".csv") ? CSV : TXT;
    }
}
