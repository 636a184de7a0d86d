package org.pot4j.engine.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * A parsed, validated pot4j config: one job per model (the single-model form gives one).
 *
 * @param file      the config file
 * @param baseDir   its folder; relative paths in it resolve against this
 * @param models    the jobs, in config order
 * @param outputDir {@code output.dir} resolved against {@code baseDir}, or null for the default
 */
public record Pot4jConfig(Path file, Path baseDir, List<ModelJob> models, Path outputDir) {
    /** Validates and copies. */
    public Pot4jConfig {
        Objects.requireNonNull(baseDir, "baseDir");
        models = List.copyOf(models);
    }

    /** {@code output.dir}, or {@code <config dir>/out}. */
    public Path outputDirOrDefault() {
        return outputDir != null ? outputDir : baseDir.resolve("out");
    }
}
