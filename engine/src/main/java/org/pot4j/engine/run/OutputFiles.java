package org.pot4j.engine.run;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.stream.Stream;
import org.pot4j.api.io.AtomicFiles;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.io.FileTrees;
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
            tmp = Files.createTempDirectory(dir, SAVING_PREFIX);
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
                AtomicFiles.move(p, dest);
            }
        } catch (IOException e) {
            throw new Pot4jException(ErrorCode.IO_FAILURE, "cannot save " + target + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                deleteRecursively(tmp);
            }
        }
    }

    /** Name prefix of the hidden folder a model is saved into before it succeeded. */
    static final String STAGING_PREFIX = ".staged-";
    private static final String SAVING_PREFIX = ".saving-";
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(OutputFiles.class);

    /**
     * Moves everything in {@code staging} into {@code dir} (replacing), and returns the names moved.
     * Called only once a model succeeded, so a model file never stands next to a failed status.
     */
    static List<String> promote(Path staging, Path dir) throws IOException {
        List<Path> staged;
        try (Stream<Path> s = Files.list(staging)) {
            staged = s.sorted().toList();
        }
        List<String> names = new java.util.ArrayList<>();
        for (Path p : staged) {
            Path dest = dir.resolve(p.getFileName());
            if (Files.isDirectory(dest)) {
                deleteRecursively(dest);
            }
            AtomicFiles.move(p, dest);
            names.add(p.getFileName().toString());
        }
        return names;
    }

    /** Removes the hidden staging/saving folders a killed run left in a model folder. */
    static void removeLeftovers(Path modelDir) {
        if (!Files.isDirectory(modelDir)) {
            return;
        }
        List<Path> left;
        try (Stream<Path> s = Files.list(modelDir)) {
            left = s.filter(p -> {
                String n = p.getFileName().toString();
                return n.startsWith(STAGING_PREFIX) || n.startsWith(SAVING_PREFIX);
            }).toList();
        } catch (IOException e) {
            return;
        }
        left.forEach(OutputFiles::deleteRecursively);
    }

    /**
     * Removes the INT8 model (and the files saved with it, as recorded in the earlier report.json)
     * and the report of an earlier run, saying so: a run that then fails must not leave the old
     * model next to its FAILED status.
     */
    static void removeStale(Path modelDir, Path reportPath, Path output, String modelName) {
        java.util.Set<Path> stale = new java.util.LinkedHashSet<>();
        stale.add(output);
        com.fasterxml.jackson.databind.JsonNode old = JobRunner.readJson(reportPath);
        if (old != null) {
            for (com.fasterxml.jackson.databind.JsonNode n : old.path("output_files")) {
                String name = n.asText("");
                Path p = modelDir.resolve(name).normalize();
                // only plain names inside the model folder: report.json is not trusted to point elsewhere
                if (!name.isEmpty() && !name.contains("/") && !name.contains("\\") && p.getParent() != null
                        && p.getParent().equals(modelDir.normalize()) && !name.equals(JobRunner.REPORT)
                        && !name.equals(JobRunner.WORK)) {
                    stale.add(p);
                }
            }
        }
        List<String> removed = new java.util.ArrayList<>();
        for (Path p : stale) {
            if (Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                deleteRecursively(p);
                removed.add(p.getFileName().toString());
            }
        }
        if (!removed.isEmpty()) {
            LOG.warn("model {}: removed {} left by an earlier run in {}; this run writes its own", modelName, removed, modelDir);
        }
        try {
            Files.deleteIfExists(reportPath);
            Files.deleteIfExists(modelDir.resolve(JobRunner.PLAN));
        } catch (IOException e) {
            throw new Pot4jException(ErrorCode.IO_FAILURE, "cannot remove " + reportPath + ": " + e.getMessage(), e);
        }
    }

    /**
     * Moves the AccuracyAware HTML report (written by the algorithm into its work folder) next to
     * report.json, where users look for it.
     */
    static void moveHtmlReports(Path workDir, Path modelDir) {
        if (!Files.isDirectory(workDir)) {
            return;
        }
        try (Stream<Path> s = Files.list(workDir)) {
            for (Path p : s.filter(f -> f.getFileName().toString().endsWith(".html")).toList()) {
                AtomicFiles.move(p, modelDir.resolve(p.getFileName()));
            }
        } catch (IOException e) {
            LOG.warn("cannot move the HTML report out of {}: {}", workDir, e.toString());
        }
    }

    /** Bytes of a file, or of every file under a folder. */
    static long size(Path p) {
        try {
            return FileTrees.size(p);
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
