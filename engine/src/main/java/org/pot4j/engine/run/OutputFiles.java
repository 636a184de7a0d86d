package org.pot4j.engine.run;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.stream.Stream;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.model.Model;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.engine.config.JsonFiles;

/** File-system steps of a job: output names, saving through a temporary folder, sizes, clean-up. */
final class OutputFiles {
    private OutputFiles() {
    }

    /**
     * {@code <model_name>-int8<ext>} for a model file, {@code <model_name>-int8} for a model
     * folder (or a {@code saved_model.pb} inside one).
     */
    static String int8Name(String modelName, Path modelPath) {
        Path fileName = modelPath.getFileName();
        String file = fileName == null ? "" : fileName.toString();
        if (Files.isDirectory(modelPath) || file.equals("saved_model.pb")) {
            return modelName + "-int8";
        }
        int dot = file.lastIndexOf('.');
        return modelName + "-int8" + (dot > 0 ? file.substring(dot) : "");
    }

    /**
     * Saves through a hidden temporary folder next to the target, then moves what the backend
     * wrote (the model and any sibling files it made, e.g. external data) into place. A failure
     * leaves no partial model behind.
     */
    static void save(Model model, QuantizationPlan plan, Path target) {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempDirectory(dir, ".saving-");
            model.save(plan, tmp.resolve(target.getFileName()));
            if (!Files.exists(tmp.resolve(target.getFileName()))) {
                throw new Pot4jException(ErrorCode.INTERNAL, "backend '" + model.backendName() + "' reported success but wrote no "
                        + target.getFileName());
            }
            List<Path> written;
            try (Stream<Path> s = Files.list(tmp)) {
                written = s.toList();
            }
            for (Path p : written) {
                Path dest = dir.resolve(p.getFileName());
                if (Files.isDirectory(dest)) {
                    deleteRecursively(dest);
                }
                JsonFiles.moveReplacing(p, dest);
            }
        } catch (IOException e) {
            throw new Pot4jException(ErrorCode.IO_FAILURE, "cannot save " + target + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                deleteRecursively(tmp);
            }
        }
    }

    /** Bytes of a file, or of every file under a folder. */
    static long size(Path p) {
        try {
            if (!Files.isDirectory(p)) {
                return Files.size(p);
            }
            try (Stream<Path> s = Files.walk(p)) {
                return s.filter(Files::isRegularFile).mapToLong(f -> {
                    try {
                        return Files.size(f);
                    } catch (IOException e) {
                        return 0;
                    }
                }).sum();
            }
        } catch (IOException e) {
            throw new Pot4jException(ErrorCode.IO_FAILURE, "cannot measure " + p + ": " + e.getMessage(), e);
        }
    }

    /** Deletes a file or folder tree; missing is fine. */
    static void deleteRecursively(Path p) {
        if (!Files.exists(p)) {
            return;
        }
        try {
            Files.walkFileTree(p, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                    Files.delete(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new Pot4jException(ErrorCode.IO_FAILURE, "cannot delete " + p + ": " + e.getMessage(), e);
        }
    }
}
