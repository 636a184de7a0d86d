package org.pot4j.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.engine.Pot4j;
import org.pot4j.engine.benchmark.BenchmarkOptions;
import org.pot4j.engine.benchmark.BenchmarkSpeedProbe;
import org.pot4j.engine.config.EngineSpec;
import org.pot4j.engine.config.ModelJob;
import org.pot4j.engine.config.Pot4jConfig;
import org.pot4j.engine.run.JobOptions;
import org.pot4j.engine.run.JobRunner;
import org.pot4j.engine.run.JobSummary;
import org.pot4j.engine.run.ModelOutcome;
import org.pot4j.engine.run.ModelStatus;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code pot4j quantize CONFIG}: quantizes every model of a POT-style config (one model, or a
 * {@code models} list mixing frameworks), then prints one summary table. Exit code 3 when a model
 * missed its accuracy target (its best model is still written), 2 when every failure was the
 * user's input, 1 for other failures.
 */
@Command(name = "quantize", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Quantize the model(s) of a config (JSON or YAML) to INT8 and print a summary.",
            "Writes <output>/<model_name>/ (INT8 model, report.json, plan.json) and <output>/summary.json."})
final class QuantizeCommand implements Callable<Integer> {
    @ParentCommand
    Pot4jCli root;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "CONFIG", description = "The config file (.json, .yaml or .yml).")
    Path config;

    @Option(names = "--output", paramLabel = "DIR",
            description = "Output folder (default: the config's output.dir, else 'out' next to the config).")
    Path output;

    @Option(names = "--resume", description = "Keep checkpoints and reuse models already finished with the same config.")
    boolean resume;

    @Option(names = "--benchmark",
            description = "After quantizing, measure the INT8/FP32 speed ratio (as engine.benchmark: true does).")
    boolean benchmark;

    @Option(names = "--benchmark-batch", split = ",", paramLabel = "N", defaultValue = "1,32",
            description = "Batch sizes of that measurement; the ratio shown is the largest one's (default: ${DEFAULT-VALUE}).")
    List<Integer> benchmarkBatches;

    @Override
    public Integer call() {
        ConfigPath.check(config);
        BenchmarkOptions benchmarkOptions;
        try {
            benchmarkOptions = BenchmarkSpeedProbe.quickOptions().withBatchSizes(benchmarkBatches);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--benchmark-batch: " + e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ProgressBar bar = root.progressBar(err);
        JobSummary summary;
        try (Pot4j pot4j = root.engine(bar)) {
            Pot4jConfig parsed = pot4j.loadConfig(config);
            if (benchmark) {
                parsed = withBenchmark(parsed);
            }
            // the CLI keeps no INT8 model slower than FP32 unless the config says speed_guard: false;
            // -Dpot4j.speedGuard=false changes that default (the build's tests: no timing-dependent plans)
            JobOptions options = JobOptions.defaults().withOutputDir(output).withResume(resume).withProgress(bar)
                    .withSpeedGuardByDefault(Boolean.parseBoolean(System.getProperty("pot4j.speedGuard", "true")))
                    .withSpeedProbe(new BenchmarkSpeedProbe(pot4j, benchmarkOptions, Map.of(), bar));
            JobRunner runner = new JobRunner(pot4j);
            Thread onInterrupt = interruptHook(runner, err);
            Runtime.getRuntime().addShutdownHook(onInterrupt);
            try {
                summary = runner.run(parsed, config, options);
            } finally {
                removeHook(onInterrupt);
            }
        } finally {
            bar.clear();
        }
        out.println();
        out.print(table(summary.models()));
        if (summary.models().stream().anyMatch(m -> m instanceof ModelOutcome.Quantized q && q.speedRatio() != null)) {
            out.println("speed = INT8/FP32 throughput at the largest batch of " + benchmarkOptions.batchSizes()
                    + " the model takes; size = INT8/FP32 file size");
        }
        out.println();
        out.println("output:  " + summary.outputDir());
        out.println("summary: " + summary.summaryFile());
        out.flush();
        ErrorReporter reporter = new ErrorReporter(err, root.verbose);
        for (ModelOutcome o : summary.models()) {
            if (o instanceof ModelOutcome.Unfinished u && u.status() == ModelStatus.FAILED) {
                reporter.modelFailed(u.modelName(), u.failure().code(), u.failure().message(), u.failure().cause());
            } else if (o instanceof ModelOutcome.Quantized q && q.status() == ModelStatus.BEST_EFFORT) {
                err.println("pot4j: warning: model '" + q.modelName() + "' missed its accuracy target (drop "
                        + number(q.accuracy().drop()) + "); the best model found was saved to " + q.output());
                err.flush();
            }
        }
        return exitCode(summary);
    }

    /**
     * Ctrl+C (SIGINT) runs shutdown hooks and then exits with 130: this hook writes summary.json
     * with the unfinished models as INTERRUPTED and removes the half-saved model, so the output
     * never claims more than was done.
     */
    private static Thread interruptHook(JobRunner runner, PrintWriter err) {
        return new Thread(() -> {
            try {
                java.nio.file.Path written = runner.writeInterruptedSummary();
                if (written != null) {
                    err.println();
                    err.println("pot4j: error: interrupted; summary written to " + written
                            + " (status INTERRUPTED); run again with --resume to continue");
                    err.flush();
                }
            } catch (RuntimeException e) {
                err.println("pot4j: error: interrupted; could not write the summary: " + e.getMessage());
                err.flush();
            }
        }, "pot4j-interrupt");
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // already shutting down: the hook runs
        }
    }

    /** 1 or 2 when a model failed (2 when all failures were the user's input), 3 when a target was missed, else 0. */
    static int exitCode(JobSummary summary) {
        if (summary.anyFailed()) {
            boolean allUser = summary.models().stream().filter(m -> m.status() == ModelStatus.FAILED)
                    .allMatch(m -> m instanceof ModelOutcome.Unfinished u && u.failure().code().isUserError());
            return allUser ? ExitCode.USAGE : ExitCode.FAILURE;
        }
        return summary.anyBestEffort() ? ExitCode.TARGET_NOT_MET : ExitCode.OK;
    }

    /** The config with {@code engine.benchmark} switched on for every model. */
    static Pot4jConfig withBenchmark(Pot4jConfig c) {
        List<ModelJob> jobs = new ArrayList<>();
        for (ModelJob j : c.models()) {
            EngineSpec e = j.engine();
            jobs.add(new ModelJob(j.model(), e.withBenchmark(true), j.compression(), j.raw()));
        }
        return new Pot4jConfig(c.file(), c.baseDir(), jobs, c.outputDir());
    }

    /**
     * The summary: one row per model with its headline metric (the first configured one, whose drop
     * an accuracy target is checked against), one more row per further metric.
     */
    static String table(List<ModelOutcome> outcomes) {
        TextTable t = new TextTable("model", "backend", "algorithm", "metric", "FP32 -> INT8", "drop", "size", "speed",
                "status").alignRight(4, 5, 6, 7);
        for (ModelOutcome o : outcomes) {
            ModelOutcome.Quantized q = o instanceof ModelOutcome.Quantized x ? x : null;
            ModelOutcome.Accuracy accuracy = q == null ? ModelOutcome.Accuracy.NONE : q.accuracy();
            List<String> keys = metricKeys(accuracy);
            String first = keys.isEmpty() ? "-" : keys.get(0);
            t.row(o.modelName(), orDash(o.subject().backend()), orDash(o.subject().algorithm()), first,
                    keys.isEmpty() ? "-" : change(accuracy, first), keys.isEmpty() ? "-" : number(accuracy.drops().get(first)),
                    q == null || q.size().ratio() == null ? "-" : ratio(q.size().ratio()),
                    q == null || q.speedRatio() == null ? "-" : ratio(q.speedRatio()), status(o));
            for (String k : keys.subList(Math.min(1, keys.size()), keys.size())) {
                t.row("", "", "", k, change(accuracy, k), number(accuracy.drops().get(k)), "", "", "");
            }
        }
        return t.render();
    }

    /** The metric keys, sorted, with the headline metric (the first configured one) first. */
    static List<String> metricKeys(ModelOutcome.Accuracy a) {
        List<String> keys = new ArrayList<>(new java.util.TreeSet<>(a.fp32().keySet()));
        if (a.headlineMetric() != null && keys.remove(a.headlineMetric())) {
            keys.add(0, a.headlineMetric());
        }
        return keys;
    }

    private static String change(ModelOutcome.Accuracy a, String key) {
        return number(a.fp32().get(key)) + " -> " + number(a.int8().get(key));
    }

    private static String status(ModelOutcome o) {
        String s = o.status().name().replace('_', ' ');
        if (o instanceof ModelOutcome.Unfinished u && u.status() == ModelStatus.FAILED) {
            s += " (" + u.failure().code().name().toLowerCase(Locale.ROOT) + ")";
        }
        return o.reused() ? s + " (reused)" : s;
    }

    static String number(Double v) {
        if (v == null || v.isNaN()) {
            return "-";
        }
        return String.format(Locale.ROOT, "%.4f", v);
    }

    static String ratio(double v) {
        return String.format(Locale.ROOT, "%.2fx", v);
    }

    private static String orDash(String s) {
        return s == null ? "-" : s;
    }
}
