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
 * @param speedGuardByDefault whether {@code engine.speed_guard} is on when a config does not set it
 *                   (the CLI: yes; the Java API: no)
 */
public record JobOptions(Path outputDir, boolean resume, ProgressListener progress, SpeedProbe speedProbe,
                         boolean speedGuardByDefault) {
    /** Without the speed guard by default. */
    public JobOptions(Path outputDir, boolean resume, ProgressListener progress, SpeedProbe speedProbe) {
        this(outputDir, resume, progress, speedProbe, false);
    }

    /** No output override, no resume, the engine's progress listener, no speed probe, speed guard off unless configured. */
    public static JobOptions defaults() {
        return new JobOptions(null, false, null, null);
    }

    /** A copy where {@code engine.speed_guard} defaults to {@code on} when a config does not set it. */
    public JobOptions withSpeedGuardByDefault(boolean on) {
        return new JobOptions(outputDir, resume, progress, speedProbe, on);
    }

    /** A copy with another output folder. */
    public JobOptions withOutputDir(Path dir) {
        return new JobOptions(dir, resume, progress, speedProbe, speedGuardByDefault);
    }

    /** A copy with resume on or off. */
    public JobOptions withResume(boolean on) {
        return new JobOptions(outputDir, on, progress, speedProbe, speedGuardByDefault);
    }

    /** A copy with another progress listener. */
    public JobOptions withProgress(ProgressListener listener) {
        return new JobOptions(outputDir, resume, listener, speedProbe, speedGuardByDefault);
    }

    /** A copy with a speed probe. */
    public JobOptions withSpeedProbe(SpeedProbe probe) {
        return new JobOptions(outputDir, resume, progress, probe, speedGuardByDefault);
    }
}
