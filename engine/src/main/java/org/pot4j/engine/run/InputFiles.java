package org.pot4j.engine.run;

import java.nio.file.Files;
import java.nio.file.Path;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.engine.config.ModelJob;

/**
 * Inputs must be regular files or folders: reading a FIFO blocks forever and a device such as
 * {@code /dev/zero} never ends, so both are refused before anything reads them.
 */
final class InputFiles {
    private InputFiles() {
    }

    static void check(ModelJob job, Path baseDir) {
        Path model = job.model().path();
        if (Files.exists(model) && !Files.isRegularFile(model) && !Files.isDirectory(model)) {
            throw new Pot4jException(ErrorCode.FILE_NOT_FOUND, "model " + model + " is not a regular file or folder (a pipe,"
                    + " socket or device?); give the model file, or the folder of a SavedModel");
        }
        for (Path p : InputDigest.inputPaths(job, baseDir)) {
            if (!p.equals(model.toAbsolutePath().normalize()) && !Files.isRegularFile(p) && !Files.isDirectory(p)) {
                throw new Pot4jException(ErrorCode.DATASET_INVALID, "dataset file " + p + " is not a regular file or folder"
                        + " (a pipe, socket or device?); give a regular file");
            }
        }
    }
}
