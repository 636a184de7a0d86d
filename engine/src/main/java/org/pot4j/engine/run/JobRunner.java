package org.pot4j.engine.run;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.ProgressListener;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.metric.Metric;
import org.pot4j.api.model.Model;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.api.quant.QuantizationResult;
import org.pot4j.engine.AlgorithmRun;
import org.pot4j.engine.HeapCheck;
import org.pot4j.engine.InferenceRequests;
import org.pot4j.engine.Pot4j;
import org.pot4j.engine.PreviousResult;
import org.pot4j.engine.Sha256;
import org.pot4j.engine.config.AlgorithmSpec;
import org.pot4j.engine.config.JsonFiles;
import org.pot4j.engine.config.MetricSpec;
import org.pot4j.engine.config.ModelJob;
import org.pot4j.engine.config.PlanJson;
import org.pot4j.engine.data.MaskInputs;
import org.pot4j.engine.evaluation.EvaluationRequest;
import org.pot4j.engine.evaluation.Evaluator;
import org.pot4j.engine.config.Pot4jConfig;
import org.pot4j.engine.config.SpeedGuardSpec;
import org.pot4j.engine.speed.SpeedGuard;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a config: for each model, load it, open the datasets, run the configured algorithm(s) in
 * order, save the INT8 model to {@code <output>/<model_name>/<model_name>-int8<ext>}, evaluate FP32
 * and INT8 with the configured metrics on the validation set, and write
 * {@code <output>/<model_name>/report.json} and {@code plan.json}; at the end
 * {@code <output>/summary.json}. A model that fails is reported with its error and the others
 * still run.
 *
 * <p>Each model gets a {@code work} folder inside {@code <output>/<model_name>} as the algorithms' work folder
 * (checkpoints). Without {@code resume} it is emptied first; with {@code resume} it is kept, and a
 * model whose {@code report.json} is finished for the same config is not run again.
 */
public final class JobRunner {
    private static final Logger LOG = LoggerFactory.getLogger(JobRunner.class);
    static final String REPORT = "report.json";
    static final String PLAN = "plan.json";
    static final String SUMMARY = "summary.json";
    static final String WORK = "work";

    private final Pot4j pot4j;

    /** A runner over an engine. */
    public JobRunner(Pot4j pot4j) {
        this.pot4j = Objects.requireNonNull(pot4j, "pot4j");
    }

    /** What an interrupted run needs to write its summary (set while {@link #run} is running). */
    private record Progress(Path outputDir, Path configFile, List<ModelJob> jobs, List<ModelOutcome> done, long start) {
    }

    private volatile Progress current;
    private volatile Path currentModelDir;

    /**
     * Runs every model of {@code config}.
     *
     * @param configFile the config's file, for reports (null: {@code config.file()})
     * @throws Pot4jException {@code CONFIG_INVALID} when the output folder is a file or would
     *                        overwrite an input (nothing is written then)
     */
    public JobSummary run(Pot4jConfig config, Path configFile, JobOptions options) {
        JobOptions opts = options == null ? JobOptions.defaults() : options;
        Path file = configFile != null ? configFile : config.file();
        Path outputDir = opts.outputDir() != null ? opts.outputDir() : config.outputDirOrDefault();
        OutputGuard.check(config, file, outputDir);
        ProgressListener progress = opts.progress() != null ? opts.progress() : pot4j.progress();
        long start = System.nanoTime();
        List<ModelOutcome> outcomes = java.util.Collections.synchronizedList(new ArrayList<>());
        current = new Progress(outputDir, file, config.models(), outcomes, start);
        try {
            for (ModelJob job : config.models()) {
                progress.message("model " + job.model().modelName() + ": " + job.model().path());
                currentModelDir = outputDir.resolve(job.model().modelName());
                ModelOutcome outcome = runModel(config, job, outputDir, opts, progress);
                outcomes.add(outcome);
                progress.message("model " + job.model().modelName() + ": " + describe(outcome));
            }
            Path summaryFile = writeSummary(outputDir, file, outcomes, seconds(start));
            return new JobSummary(outcomes, outputDir, summaryFile, seconds(start));
        } finally {
            current = null;
            currentModelDir = null;
        }
    }

    /**
     * For a shutdown hook (Ctrl+C): writes {@code summary.json} with the models finished so far and
     * every other one as {@code INTERRUPTED}, and removes the half-saved model of the model in
     * progress. Returns the summary file, or null when no run is in progress.
     */
    public Path writeInterruptedSummary() {
        Progress p = current;
        if (p == null) {
            return null;
        }
        Path modelDir = currentModelDir;
        if (modelDir != null) {
            try {
                OutputFiles.removeLeftovers(modelDir);
            } catch (RuntimeException e) {
                LOG.warn("cannot clean up {}: {}", modelDir, e.toString());
            }
        }
        List<ModelOutcome> outcomes;
        synchronized (p.done()) {
            outcomes = new ArrayList<>(p.done());
        }
        for (int i = outcomes.size(); i < p.jobs().size(); i++) {
            ModelJob job = p.jobs().get(i);
            outcomes.add(new ModelOutcome.Unfinished(new ModelOutcome.Subject(job.model().modelName(), job.model().path(),
                    null, null), ModelStatus.INTERRUPTED, new ModelOutcome.Failure(ErrorCode.INTERRUPTED,
                    "interrupted before it finished; run again (--resume continues from the checkpoints)", null),
                    p.outputDir().resolve(job.model().modelName()).resolve(REPORT), 0));
        }
        return writeSummary(p.outputDir(), p.configFile(), outcomes, seconds(p.start()));
    }

    private static Path writeSummary(Path outputDir, Path file, List<ModelOutcome> outcomes, double wall) {
        Path summaryFile = outputDir.resolve(SUMMARY);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("pot4j_version", Pot4j.version());
        summary.put("config", file == null ? null : file.toString());
        summary.put("wall_seconds", wall);
        List<Object> models = new ArrayList<>();
        for (ModelOutcome o : outcomes) {
            models.add(RunReports.outcome(o, outputDir));
        }
        summary.put("models", models);
        JsonFiles.write(summaryFile, summary);
        return summaryFile;
    }

    private ModelOutcome runModel(Pot4jConfig config, ModelJob job, Path outputDir, JobOptions opts,
                                  ProgressListener progress) {
        long start = System.nanoTime();
        String name = job.model().modelName();
        Path modelDir = outputDir.resolve(name);
        Path reportPath = modelDir.resolve(REPORT);
        String hash = configHash(job);
        Model model = null;
        String algorithm = null;
        String stage = "checking the inputs";
        Path staging = null;
        AutoCloseable executorScope = null;
        InputDigest inputs = null;
        List<Map<String, Object>> algorithmReports = new ArrayList<>();
        try {
            InputFiles.check(job, config.baseDir());
            // before hashing: a model the heap cannot hold is refused without reading it at all
            HeapCheck.beforeReading(job.model().path(), "model " + job.model().path());
            stage = "hashing the inputs";
            inputs = InputDigest.of(job, config.baseDir(), hash);
            if (opts.resume()) {
                ModelOutcome reused = RunReports.reuse(reportPath, inputs, job, outputDir);
                if (reused != null) {
                    LOG.info("model {}: reusing the finished result in {}", name, reportPath);
                    return reused;
                }
            }
            OutputFiles.removeLeftovers(modelDir);
            Path output = modelDir.resolve(OutputFiles.int8Name(name, job.model().path()));
            OutputFiles.removeStale(modelDir, reportPath, output, name);
            Path workDir = modelDir.resolve(WORK);
            if (!opts.resume()) {
                OutputFiles.deleteRecursively(workDir);
            } else {
                WorkKey.clearIfOtherInputs(workDir, inputs.key(), name);
            }
            Files.createDirectories(workDir);
            WorkKey.write(workDir, inputs.key());

            Map<String, Object> loadOptions = new LinkedHashMap<>(job.model().options());
            if (job.engine().threads() != null) {
                loadOptions.putIfAbsent("threads", job.engine().threads());
            }
            stage = "loading the model " + job.model().path();
            model = pot4j.loadModel(job.model().path(), job.model().framework(), loadOptions);

            stage = "opening the datasets";
            Dataset calibration;
            Dataset validation;
            if (job.engine().validationDataset() == null) {
                calibration = pot4j.openDataset(MaskInputs.spec(job.engine().calibrationDataset().toSpec(), job.engine().metrics()),
                        config.baseDir(), model);
                validation = calibration;
            } else {
                // calibration needs no annotations: skip a requested fp32_output pass over it
                Map<String, Object> spec = new LinkedHashMap<>(job.engine().calibrationDataset().toSpec());
                spec.remove("annotation");
                calibration = pot4j.openDataset(spec, config.baseDir(), model);
                validation = pot4j.openDataset(MaskInputs.spec(job.engine().validationDataset().toSpec(), job.engine().metrics()),
                        config.baseDir(), model);
            }
            List<Supplier<Metric>> metrics = new ArrayList<>();
            for (MetricSpec m : job.engine().metrics()) {
                metrics.add(pot4j.metric(m.name(), m.params()));
            }
            stage = "checking the labels of " + validation.name();
            LabelCheck.check(validation, metrics, model);

            // evaluation inference runs on the configured executor (engine.executor) for this model
            executorScope = pot4j.evaluator().useExecutor(pot4j.executor(job.engine().executor()));
            InferenceRequests requests = new InferenceRequests(
                    job.engine().statRequests() == null ? 1 : job.engine().statRequests(),
                    job.engine().evalRequests() == null ? 0 : job.engine().evalRequests());
            QuantizationResult result = null;
            for (AlgorithmSpec a : job.compression().algorithms()) {
                algorithm = a.name();
                stage = "running " + a.name();
                Map<String, Object> params = new LinkedHashMap<>(a.params());
                java.util.Set<String> accepted = pot4j.algorithm(a.name()).parameterNames();
                if (accepted.contains("target_device")) {
                    params.putIfAbsent("target_device", job.compression().targetDevice());
                }
                if (opts.resume() && accepted.contains("resume")) {
                    params.putIfAbsent("resume", true);
                }
                result = pot4j.run(model, AlgorithmRun.builder(a.name()).params(params).calibration(calibration)
                        .validation(validation).metrics(metrics).workDir(workDir).progress(progress)
                        .previous(new PreviousResult(result)).requests(requests).build());
                algorithmReports.add(RunReports.algorithm(a, result));
            }
            OutputFiles.moveHtmlReports(workDir, modelDir);
            QuantizationPlan plan = result.plan();
            Map<String, Object> speedGuard = null;
            SpeedGuardSpec guard = job.engine().speedGuard() != null ? job.engine().speedGuard()
                    : SpeedGuardSpec.of(opts.speedGuardByDefault());
            if (guard.enabled() && !plan.isEmpty()) {
                stage = "timing INT8 against FP32 (speed_guard)";
                SpeedGuard.Outcome g = SpeedGuardRun.run(model, pot4j.backend(model.backendName()).capabilities(), plan,
                        calibration, guard, job.engine().batchSize(), progress);
                plan = g.plan();
                speedGuard = g.report();
            }

            // saved to a hidden staging folder; it appears under its name only once the model succeeded
            stage = "saving the INT8 model";
            Files.createDirectories(modelDir);
            staging = Files.createTempDirectory(modelDir, OutputFiles.STAGING_PREFIX);
            Path staged = staging.resolve(output.getFileName());
            OutputFiles.save(model, plan, staged);

            ModelOutcome.Accuracy accuracy = ModelOutcome.Accuracy.NONE;
            if (!metrics.isEmpty()) {
                stage = "evaluating FP32 and INT8 on " + validation.name();
                // the engine's evaluator returns the values an algorithm (AccuracyAware) has just measured
                // for the same plan, data and metrics instead of running the passes again
                int batch = job.engine().batchSize() == null ? 0 : job.engine().batchSize();
                Evaluator evaluator = requests.evaluation() > 0
                        ? pot4j.evaluator().withProgress(progress, requests.evaluation()) : pot4j.evaluator().withProgress(progress);
                Map<String, Double> fp32 = evaluator.measured(model, EvaluationRequest.of(QuantizationPlan.EMPTY, validation,
                        metrics, "evaluate FP32 on " + validation.name()).withBatchSize(batch)).aggregate();
                Map<String, Double> int8 = evaluator.measured(model, EvaluationRequest.of(plan, validation, metrics,
                        "evaluate INT8 on " + validation.name()).withBatchSize(batch)).aggregate();
                accuracy = new ModelOutcome.Accuracy(fp32, int8, RunReports.drops(fp32, int8, metrics));
            }
            ModelOutcome.Size size = new ModelOutcome.Size(model.sizeOnDisk(), OutputFiles.size(staged));
            stage = "measuring the speed";
            Double speed = speedRatio(job, opts, model, plan, staged, validation);
            ModelStatus status = ModelStatus.of(result.status());
            stage = "moving the INT8 model into place";
            List<String> outputFiles = OutputFiles.promote(staging, modelDir);
            PlanJson.writeFile(plan, modelDir.resolve(PLAN));
            ModelOutcome.Quantized outcome = new ModelOutcome.Quantized(new ModelOutcome.Subject(name, job.model().path(),
                    model.backendName(), algorithm), status, output, accuracy, size, speed, reportPath, seconds(start), false);
            RunReports.write(reportPath, outcome, new RunReports.Context(job, hash, algorithmReports, outputDir,
                    RunReports.Resume.of(inputs, model.sourceFiles(), outputFiles)),
                    new RunReports.SavedPlan(plan, model.quantizableNodes().size(), model.floatOps(plan), speedGuard));
            LOG.debug("model {}: {}", name, describe(outcome));
            return outcome;
        } catch (OutOfMemoryError e) {
            return failed(job, model, algorithm, reportPath, hash, inputs, algorithmReports, outputDir, start,
                    HeapCheck.outOfMemory(stage + " for model " + name, e));
        } catch (IOException | RuntimeException | LinkageError e) {
            return failed(job, model, algorithm, reportPath, hash, inputs, algorithmReports, outputDir, start, e);
        } finally {
            if (staging != null) {
                try {
                    OutputFiles.deleteRecursively(staging);
                } catch (RuntimeException e) {
                    LOG.warn("cannot remove {}: {}", staging, e.toString());
                }
            }
            if (executorScope != null) {
                try {
                    executorScope.close();
                } catch (Exception e) {
                    LOG.warn("closing the evaluation executor failed: {}", e.toString());
                }
            }
            if (model != null) {
                pot4j.evaluator().forget(model);
                try {
                    model.close();
                } catch (RuntimeException e) {
                    LOG.warn("closing model {} failed: {}", name, e.toString());
                }
            }
        }
    }

    private ModelOutcome failed(ModelJob job, Model model, String algorithm, Path reportPath, String hash, InputDigest inputs,
                                List<Map<String, Object>> algorithmReports, Path outputDir, long start, Throwable e) {
        String name = job.model().modelName();
        ErrorCode code = e instanceof Pot4jException p ? p.code()
                : e instanceof IOException ? ErrorCode.IO_FAILURE
                : e instanceof LinkageError ? ErrorCode.RUNTIME_FAILURE : ErrorCode.INTERNAL;
        String message = e instanceof Pot4jException ? e.getMessage() : e.toString();
        // the message is shown once, by the caller (the CLI's final error line); the trace is for --verbose/debug
        LOG.debug("model {} failed: {}: {}", name, code, message, e);
        String backend = null;
        try {
            backend = model == null ? null : model.backendName();
        } catch (RuntimeException ignored) {
            // only for the report
        }
        ModelOutcome.Unfinished failed = new ModelOutcome.Unfinished(new ModelOutcome.Subject(name, job.model().path(), backend,
                algorithm), ModelStatus.FAILED, new ModelOutcome.Failure(code, message, e), reportPath, seconds(start));
        try {
            RunReports.write(reportPath, failed, new RunReports.Context(job, hash, algorithmReports, outputDir,
                    inputs == null ? null : RunReports.Resume.of(inputs, List.of(), List.of())));
        } catch (RuntimeException writeFailure) {
            LOG.warn("cannot write {}: {}", reportPath, writeFailure.toString());
        }
        return failed;
    }

    private Double speedRatio(ModelJob job, JobOptions opts, Model model, QuantizationPlan plan, Path output, Dataset data) {
        if (!job.engine().benchmark()) {
            return null;
        }
        if (opts.speedProbe() == null) {
            LOG.warn("model {}: engine.benchmark is true but no benchmark is installed; speed ratio not measured",
                    job.model().modelName());
            return null;
        }
        try {
            return opts.speedProbe().speedRatio(model, plan, output, data);
        } catch (RuntimeException e) {
            LOG.warn("model {}: benchmark failed: {}", job.model().modelName(), e.toString());
            return null;
        }
    }

    /** A hash of the job's effective config, so {@code --resume} never reuses a result of another config. */
    static String configHash(ModelJob job) {
        try {
            byte[] canonical = JsonFiles.mapper().writeValueAsBytes(job.raw());
            return Sha256.of(canonical).substring(0, 16);
        } catch (IOException e) {
            throw new Pot4jException(ErrorCode.INTERNAL, "cannot hash the config: " + e, e);
        }
    }

    private static String describe(ModelOutcome o) {
        if (!(o instanceof ModelOutcome.Quantized q)) {
            // the message itself is printed once, with the final error line
            return o.status().name() + " (" + ((ModelOutcome.Unfinished) o).failure().code() + ")";
        }
        StringBuilder sb = new StringBuilder(q.status().name());
        q.accuracy().fp32().forEach((k, v) -> sb.append(String.format(java.util.Locale.ROOT, ", %s %.4f -> %.4f", k, v,
                q.accuracy().int8().getOrDefault(k, Double.NaN))));
        if (q.size().ratio() != null) {
            sb.append(String.format(java.util.Locale.ROOT, ", size x%.3f", q.size().ratio()));
        }
        if (q.speedRatio() != null) {
            sb.append(String.format(java.util.Locale.ROOT, ", speed x%.2f", q.speedRatio()));
        }
        return sb.toString();
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    /** Reads a JSON file, or null when it is missing or unreadable. */
    static JsonNode readJson(Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return JsonFiles.mapper().readTree(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            LOG.warn("ignoring unreadable {}: {}", file, e.getMessage());
            return null;
        }
    }
}
