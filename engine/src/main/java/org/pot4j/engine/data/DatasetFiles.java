package org.pot4j.engine.data;

import java.nio.file.Files;
import java.nio.file.Path;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;

/**
 * The files a dataset's (already bound) parameters name: resolved against the config's folder and
 * checked to exist when the dataset opens, with one-line errors naming the provider and key.
 */
final class DatasetFiles {
    private DatasetFiles() {
    }

    /** {@code value} resolved against {@code baseDir}; null when {@code value} is null. */
    static Path resolve(Path baseDir, String value) {
        return value == null ? null : (baseDir == null ? Path.of("") : baseDir).resolve(value).normalize();
    }

    /** As {@link #resolve}, and the file or folder must exist. */
    static Path existing(String type, String key, Path baseDir, String value) {
        Path p = resolve(baseDir, value);
        if (p != null && !Files.exists(p)) {
            throw new Pot4jException(ErrorCode.FILE_NOT_FOUND, type + " dataset: " + key + " " + p
                    + " does not exist; check the path (relative paths resolve against the config's folder)");
        }
        return p;
    }

    static Pot4jException invalid(Path file, String problem) {
        return new Pot4jException(ErrorCode.DATASET_INVALID, file + ": " + problem);
    }
}
