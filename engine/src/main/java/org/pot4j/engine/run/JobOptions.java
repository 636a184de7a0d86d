package org.pot4j.engine.run;

import java.nio.file.Path;
import org.pot4j.api.ProgressListener;

/**
 * How {@link JobRunner} runs a config.
 *
 * @param outputDir  where results go; null for the config's {@code output.dir}, else {@code <config dir>/out}
 * @param resume     keep each model's {@code work/} folder (algorithm checkpoints) and reuse a model
 *                   whose finished {@code report.json} matches the current config; false starts clean
 * @param progress   progress for this run; null for the engine's listener
 * @param speedProbe measures the speed ratio for {@code engine.benchmark: true}; null to skip
 */
public record JobOptions(Path outputDir, boolean resume, ProgressListener progress, SpeedProbe speedProbe) {
    /** No output override, no resume, the engine's progress listener, no speed probe. */
    public static JobOptions defaults() {
        return new JobOptions(null, false, null, null);
    }

    /** A copy with another output folder. */
    public JobOptions withOutputDir(Path dir) {
        return new JobOptions(dir, resume, progress, speedProbe);
    }

    /** A copy with resume on or off. */
    public JobOptions withResume(boolean on) {
        return new JobOptions(outputDir, on, progress, speedProbe);
    }

    /** A copy with another progress listener. */
    public JobOptions withProgress(ProgressListener listener) {
        return new JobOptions(outputDir, resume, listener, speedProbe);
    }

    /** A copy with a speed probe. */
    public JobOptions withSpeedProbe(SpeedProbe probe) {
        return new JobOptions(outputDir, resume, progress, probe);
    }
}
