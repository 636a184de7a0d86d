package org.pot4j.engine.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.engine.config.ModelJob;
import org.pot4j.engine.config.Pot4jConfig;

/**
 * Checks, before anything is written, that the output folder is a folder and that no file the run
 * writes or deletes ({@code <output>/summary.json}, {@code <output>/<model_name>/...}) is an input:
 * the model (or a file of a model folder), a dataset file, or the config. Paths are compared after
 * resolving symbolic links, so a link cannot smuggle an input into the output.
 */
final class OutputGuard {
    private OutputGuard() {
    }

    /**
     * @throws Pot4jException {@code CONFIG_INVALID} naming the output path and the input it would overwrite
     */
    static void check(Pot4jConfig config, Path configFile, Path outputDir) {
        if (Files.exists(outputDir) && !Files.isDirectory(outputDir)) {
            throw new Pot4jException(ErrorCode.CONFIG_INVALID, "output path " + outputDir + " is an existing file, not a"
                    + " folder; give a folder (--output DIR or output.dir) that is new or holds earlier pot4j output");
        }
        for (Path up = outputDir.toAbsolutePath().normalize().getParent(); up != null; up = up.getParent()) {
            if (Files.exists(up) && !Files.isDirectory(up)) {
                throw new Pot4jException(ErrorCode.CONFIG_INVALID, "output path " + outputDir + " cannot be created: " + up
                        + " is a file; give a folder path");
            }
        }
        Path out = real(outputDir);
        Path summary = out.resolve(JobRunner.SUMMARY);
        for (ModelJob job : config.models()) {
            Path modelDir = out.resolve(job.model().modelName());
            List<Path> inputs = new ArrayList<>(InputDigest.inputPaths(job, config.baseDir()));
            if (configFile != null) {
                inputs.add(configFile.toAbsolutePath().normalize());
            }
            for (Path in : inputs) {
                Path input = real(in);
                String what = describe(job, in, configFile);
                if (input.equals(summary) || input.startsWith(modelDir)) {
                    throw refuse(outputDir, what, in, job.model().modelName());
                }
                // the output inside an input folder (e.g. a SavedModel) would change that input
                if (Files.isDirectory(input) && modelDir.startsWith(input)) {
                    throw refuse(outputDir, what, in, job.model().modelName());
                }
            }
        }
    }

    private static Pot4jException refuse(Path outputDir, String what, Path input, String modelName) {
        return new Pot4jException(ErrorCode.CONFIG_INVALID, "output folder " + outputDir + " would overwrite the " + what
                + " " + input + " (pot4j writes " + outputDir.resolve(modelName) + "/ and " + outputDir.resolve(JobRunner.SUMMARY)
                + "); choose another --output (or output.dir) outside the inputs");
    }

    private static String describe(ModelJob job, Path input, Path configFile) {
        if (configFile != null && input.equals(configFile.toAbsolutePath().normalize())) {
            return "config";
        }
        Path model = job.model().path().toAbsolutePath().normalize();
        if (input.equals(model)) {
            return "model";
        }
        if (model.getFileName() != null && input.equals(model.resolveSibling(model.getFileName() + ".json"))) {
            return "model's sidecar options file";
        }
        return "dataset file";
    }

    /**
     * The real path: symbolic links resolved for the longest existing prefix, the rest appended
     * (the output folder usually does not exist yet).
     */
    static Path real(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        Path existing = abs;
        List<Path> rest = new ArrayList<>();
        while (existing != null && !Files.exists(existing)) {
            rest.add(0, existing.getFileName());
            existing = existing.getParent();
        }
        if (existing == null) {
            return abs;
        }
        try {
            Path r = existing.toRealPath();
            for (Path name : rest) {
                r = r.resolve(name.toString());
            }
            return r;
        } catch (IOException e) {
            return abs;
        }
    }
}
