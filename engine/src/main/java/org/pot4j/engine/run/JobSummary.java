package org.pot4j.engine.run;

import java.nio.file.Path;
import java.util.List;

/**
 * The result of a whole config run.
 *
 * @param models      one outcome per model, in config order
 * @param outputDir   where everything was written
 * @param summaryFile {@code <output>/summary.json}
 * @param wallSeconds wall time of the whole run
 */
public record JobSummary(List<ModelOutcome> models, Path outputDir, Path summaryFile, double wallSeconds) {
    /** Copies. */
    public JobSummary {
        models = List.copyOf(models);
    }

    /** True when at least one model failed. */
    public boolean anyFailed() {
        return models.stream().anyMatch(m -> m.status() == ModelStatus.FAILED);
    }

    /** True when at least one model missed its accuracy target (best effort saved). */
    public boolean anyBestEffort() {
        return models.stream().anyMatch(m -> m.status() == ModelStatus.BEST_EFFORT);
    }

    /** True when every model was quantized and met its target (if it had one). */
    public boolean allSucceeded() {
        return !anyFailed() && !anyBestEffort();
    }
}
