package org.pot4j.engine.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.engine.testing.QuietEngine;
import org.pot4j.engine.config.JsonFiles;
import org.pot4j.engine.config.PlanJson;
import org.pot4j.engine.config.Pot4jConfig;
import org.pot4j.engine.testplugins.TextMlpBackendProvider;

class JobRunnerTest {
    @RegisterExtension
    static final QuietEngine ENGINE = new QuietEngine();
    @TempDir
    Path dir;
    private Path config;

    /** Two textmlp models, a CSV of 60 rows with 5 features and labels 0-2, and a four-model config. */
    @BeforeEach
    void files() throws IOException {
        TextMlpBackendProvider.write(dir.resolve("models/alpha.tmlp"), 1, 5, 16, 3);
        TextMlpBackendProvider.write(dir.resolve("models/beta.tmlp"), 2, 5, 8, 3);
        Files.writeString(dir.resolve("models/gamma.onnx"), "not really onnx");
        StringBuilder csv = new StringBuilder("f0,f1,f2,f3,f4,label\n");
        Random r = new Random(3);
        for (int i = 0; i < 60; i++) {
            for (int f = 0; f < 5; f++) {
                csv.append(String.format(Locale.ROOT, "%.4f,", r.nextGaussian()));
            }
            csv.append(i % 3).append('\n');
        }
        Files.createDirectories(dir.resolve("data"));
        Files.writeString(dir.resolve("data/rows.csv"), csv);
        config = write("job.json", """
                {
                  "engine": {
                    "calibration_dataset": {"type": "csv", "path": "data/rows.csv", "label_column": "label"},
                    "metrics": [{"name": "test_top1"}, {"name": "test_error_rate"}],
                    "threads": 2
                  },
                  "compression": {"target_device": "CPU", "algorithms": [{"name": "TestWeightOnly", "params": {"bits": 4}}]},
                  "models": [
                    {"model": {"model": "models/alpha.tmlp"}},
                    {"model": {"model_name": "b", "model": "models/beta.tmlp", "framework": "textmlp"},
                     "compression": {"algorithms": [{"name": "DefaultQuantization", "params": {"stat_subset_size": 30}}]}},
                    {"model": {"model": "models/missing.tmlp"}},
                    {"model": {"model": "models/gamma.onnx"}}
                  ]
                }
                """);
    }

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    private JobSummary run(Path cfg, JobOptions options) {
        Pot4jConfig c = ENGINE.pot4j().loadConfig(cfg);
        return new JobRunner(ENGINE.pot4j()).run(c, cfg, options);
    }

    private static ModelOutcome.Quantized quantized(JobSummary s, int index) {
        return assertInstanceOf(ModelOutcome.Quantized.class, s.models().get(index), String.valueOf(s.models().get(index)));
    }

    private static JsonNode json(Path file) throws IOException {
        return JsonFiles.mapper().readTree(Files.readString(file));
    }

    @Test
    void algorithmsInAListComposeAsPotsPipeline() throws IOException {
        String template = """
                {"model": {"model": "models/alpha.tmlp"},
                 "engine": {"calibration_dataset": {"type": "csv", "path": "data/rows.csv", "label_column": "label"},
                            "metrics": [{"name": "test_top1"}]},
                 "compression": {"algorithms": [%s]},
                 "output": {"dir": "%s"}}
                """;
        String minMax = "{\"name\": \"MinMaxQuantization\", \"params\": {\"stat_subset_size\": 5}}";
        run(write("mm.json", template.formatted(minMax, "mm")), JobOptions.defaults());
        run(write("pipe.json", template.formatted(minMax + ", {\"name\": \"FastBiasCorrection\"}", "pipe")), JobOptions.defaults());
        run(write("fbc.json", template.formatted("{\"name\": \"FastBiasCorrection\"}", "fbc")), JobOptions.defaults());
        org.pot4j.api.quant.QuantizationPlan alone = org.pot4j.engine.config.PlanJson.readFile(dir.resolve("mm/alpha/plan.json"));
        org.pot4j.api.quant.QuantizationPlan piped = org.pot4j.engine.config.PlanJson.readFile(dir.resolve("pipe/alpha/plan.json"));
        org.pot4j.api.quant.QuantizationPlan fresh = org.pot4j.engine.config.PlanJson.readFile(dir.resolve("fbc/alpha/plan.json"));
        assertEquals(alone.activations(), piped.activations(), "FastBiasCorrection corrected MinMax's plan (5-sample ranges)");
        assertEquals(alone.weights(), piped.weights());
        assertFalse(piped.biasShifts().isEmpty(), "and added its bias shifts");
        assertNotEquals(alone.activations(), fresh.activations(), "alone it computes its own (60-sample) ranges");

        org.pot4j.engine.testing.RecordingProgress progress = new org.pot4j.engine.testing.RecordingProgress();
        run(write("aa-pipe.json", template.formatted(minMax + ", {\"name\": \"AccuracyAwareQuantization\","
                + " \"params\": {\"maximal_drop\": 0.5}}", "aa-pipe")), JobOptions.defaults().withProgress(progress));
        assertTrue(progress.events().stream().noneMatch(e -> e.startsWith("start base algorithm")),
                "AccuracyAware starts from the previous plan instead of running its base algorithm");
        assertEquals(alone.activations(), org.pot4j.engine.config.PlanJson.readFile(dir.resolve("aa-pipe/alpha/plan.json"))
                .activations());
    }

    @Test
    void afterAccuracyAwareTheReportedValuesAreAccuracyAwaresOwnWithoutAnotherPass() throws IOException {
        Path cfg = write("aa.json", """
                {
                  "model": {"model": "models/alpha.tmlp"},
                  "engine": {"calibration_dataset": {"type": "csv", "path": "data/rows.csv", "label_column": "label"},
                             "metrics": [{"name": "test_top1"}]},
                  "compression": {"algorithms": [{"name": "AccuracyAwareQuantization",
                                                  "params": {"maximal_drop": 0.5, "stat_subset_size": 30}}]}
                }
                """);
        org.pot4j.engine.testing.RecordingProgress progress = new org.pot4j.engine.testing.RecordingProgress();
        JobSummary s = run(cfg, JobOptions.defaults().withProgress(progress));
        ModelOutcome.Quantized o = assertInstanceOf(ModelOutcome.Quantized.class, s.models().get(0));
        assertEquals(ModelStatus.TARGET_MET, o.status(), String.valueOf(o));
        List<String> finalPasses = progress.events().stream()
                .filter(e -> e.startsWith("start evaluate FP32 on") || e.startsWith("start evaluate INT8 on")).toList();
        assertEquals(List.of(), finalPasses, "the job runner reuses AccuracyAware's FP32 and INT8 values");
        JsonNode aa = json(dir.resolve("out/alpha/report.json"));
        assertTrue(aa.toString().contains("test_top1"), aa.toString());
        // the same values as measuring again from scratch
        try (org.pot4j.api.model.Model m = ENGINE.pot4j().loadModel(dir.resolve("models/alpha.tmlp"))) {
            org.pot4j.api.data.Dataset data = ENGINE.pot4j().openDataset(Map.of("type", "csv", "path", "data/rows.csv",
                    "label_column", "label"), dir);
            var top1 = List.of(ENGINE.pot4j().metric("test_top1", Map.of()));
            assertEquals(ENGINE.pot4j().evaluate(m, org.pot4j.api.quant.QuantizationPlan.EMPTY, data, top1), o.accuracy().fp32());
            org.pot4j.api.quant.QuantizationPlan plan = org.pot4j.engine.config.PlanJson.readFile(dir.resolve("out/alpha/plan.json"));
            assertEquals(ENGINE.pot4j().evaluate(m, plan, data, top1), o.accuracy().int8());
        }
    }

    @Test
    void quantizesEveryModelAndReportsFailuresPerModel() throws IOException {
        JobSummary s = run(config, JobOptions.defaults());
        Path out = dir.resolve("out");
        assertEquals(out, s.outputDir(), "default output: <config dir>/out");
        assertEquals(List.of("alpha", "b", "missing", "gamma"), s.models().stream().map(ModelOutcome::modelName).toList());
        assertTrue(s.anyFailed());
        assertFalse(s.allSucceeded());

        ModelOutcome.Quantized alpha = assertInstanceOf(ModelOutcome.Quantized.class, s.models().get(0));
        assertEquals(ModelStatus.COMPLETED, alpha.status());
        assertEquals("textmlp", alpha.subject().backend());
        assertEquals("TestWeightOnly", alpha.subject().algorithm());
        assertEquals(out.resolve("alpha/alpha-int8.tmlp"), alpha.output());
        assertTrue(Files.isRegularFile(alpha.output()));
        ModelOutcome.Accuracy accuracy = alpha.accuracy();
        assertTrue(accuracy.fp32().containsKey("test_top1") && accuracy.int8().containsKey("test_error_rate"));
        double top1Drop = accuracy.fp32().get("test_top1") - accuracy.int8().get("test_top1");
        assertEquals(top1Drop, accuracy.drops().get("test_top1"), 1e-12);
        assertEquals(top1Drop, accuracy.drops().get("test_error_rate"), 1e-12, "a higher-worse metric's drop has the same sign");
        assertEquals(List.of("test_top1", "test_error_rate"), List.copyOf(accuracy.drops().keySet()), "in config order");
        assertEquals(accuracy.drops().get("test_top1"), accuracy.drop(), "the headline drop is the first metric's");
        assertEquals(accuracy.fp32().get("test_top1"), 1 - accuracy.fp32().get("test_error_rate"), 1e-12);
        assertTrue(alpha.size().fp32Bytes() > 0 && alpha.size().int8Bytes() > 0);
        assertEquals((double) alpha.size().int8Bytes() / alpha.size().fp32Bytes(), alpha.size().ratio(), 1e-12);
        assertNull(alpha.speedRatio());

        JsonNode saved = json(alpha.output());
        assertEquals(2, saved.path("load_options").path("threads").asInt(), "engine.threads reaches the backend");
        QuantizationPlan savedPlan = PlanJson.fromTree(saved.path("plan"));
        assertEquals(savedPlan, PlanJson.readFile(out.resolve("alpha/plan.json")));
        assertEquals(4, savedPlan.weights().get("fc1").bits());

        JsonNode report = json(out.resolve("alpha/report.json"));
        assertEquals("COMPLETED", report.path("status").asText());
        assertEquals("alpha/alpha-int8.tmlp", report.path("output").asText());
        assertEquals("CPU", report.path("algorithms").get(0).path("report").path("target_device").asText(),
                "compression.target_device reaches algorithms that take it");
        assertEquals(2, report.path("plan").path("quantizable_nodes").asInt());
        assertEquals(2, report.path("plan").path("weight_quantizers").asInt());
        assertEquals(accuracy.fp32().get("test_top1"), report.path("metrics").path("fp32").path("test_top1").asDouble(), 1e-12);
        assertEquals("models/alpha.tmlp", report.path("config").path("model").path("model").asText());

        ModelOutcome b = s.models().get(1);
        assertEquals(ModelStatus.COMPLETED, b.status(), String.valueOf(b));
        assertEquals("DefaultQuantization", b.subject().algorithm());
        assertTrue(Files.isRegularFile(out.resolve("b/b-int8.tmlp")));
        assertFalse(PlanJson.readFile(out.resolve("b/plan.json")).activations().isEmpty());

        ModelOutcome missing = s.models().get(2);
        assertEquals(ModelStatus.FAILED, missing.status());
        ModelOutcome.Failure missingFailure = assertInstanceOf(ModelOutcome.Unfinished.class, missing).failure();
        assertEquals(ErrorCode.FILE_NOT_FOUND, missingFailure.code());
        assertTrue(missingFailure.message().contains("missing.tmlp"), missingFailure.message());
        assertEquals("FAILED", json(out.resolve("missing/report.json")).path("status").asText());

        ModelOutcome.Failure gamma = assertInstanceOf(ModelOutcome.Unfinished.class, s.models().get(3)).failure();
        assertEquals(ErrorCode.NO_BACKEND, gamma.code());
        assertTrue(gamma.message().contains("install backend-onnx into plugins/"), gamma.message());

        JsonNode summary = json(out.resolve("summary.json"));
        assertEquals(4, summary.path("models").size());
        assertEquals("NO_BACKEND", summary.path("models").get(3).path("error").path("code").asText());
        assertEquals("b/b-int8.tmlp", summary.path("models").get(1).path("output").asText());
        try (Stream<Path> files = Files.walk(out)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().startsWith(".")), "no temporary files left behind");
        }
    }

    /**
     * Pins {@code summary.json} and every {@code report.json} of the four-model run (quantized,
     * quantized by DefaultQuantization, missing file, no backend; benchmarked but for {@code b}), then
     * the summary of its {@code --resume} rerun (reused outcomes read back from the reports), byte for
     * byte against golden files. Only what differs between runs is masked: wall times, the temporary
     * folder, the pot4j version and the resume key that hashes it. A deliberate change to the outputs
     * re-records the files with {@code -Dpot4j.recordGolden=true}; the diff then shows in review what moved.
     */
    @Test
    void summaryAndReportsMatchTheGoldenFiles() throws IOException {
        String text = Files.readString(config).replace("\"threads\": 2", "\"benchmark\": true")
                .replace("\"target_device\": \"CPU\", ", "")
                .replace("\"framework\": \"textmlp\"},", "\"framework\": \"textmlp\"}, \"engine\": {\"benchmark\": false},");
        Path cfg = write("job.json", text);
        JobOptions options = JobOptions.defaults().withSpeedProbe((fp32, plan, int8, data) -> 1.5);
        JobSummary first = run(cfg, options);
        for (String name : List.of("summary.json", "alpha/report.json", "b/report.json", "missing/report.json",
                "gamma/report.json")) {
            assertMatchesGolden("first-" + name.replace('/', '-'), dir.resolve("out").resolve(name));
        }
        JobSummary resumed = run(cfg, options.withResume(true));
        assertMatchesGolden("resumed-summary.json", dir.resolve("out/summary.json"));
        for (int i = 0; i < 2; i++) {
            assertTrue(resumed.models().get(i).reused());
            // record equality: the same values and the same headline metric (maps compare regardless of order)
            assertEquals(quantized(first, i).accuracy(), quantized(resumed, i).accuracy(), "the reused headline is the first run's");
            assertEquals("test_top1", quantized(resumed, i).accuracy().headlineMetric());
        }
    }

    private void assertMatchesGolden(String goldenName, Path file) throws IOException {
        String base = dir.toAbsolutePath().toString().replace("\\", "\\\\"); // as JSON escapes it
        String got = Files.readString(file, StandardCharsets.UTF_8).replace("\r\n", "\n").replace(base, "<dir>")
                .replaceAll("(\"[a-z_0-9]*seconds\" : )[-0-9.Ee+]+", "$1" + "0.0")
                .replaceAll("(\"(pot4j_version|resume_key)\" : )\"[^\"]*\"", "$1\"<$2>\"");
        Path golden = Path.of("src", "test", "resources", "run-golden", goldenName);
        if (Boolean.getBoolean("pot4j.recordGolden") || !Files.exists(golden)) {
            Files.createDirectories(golden.toAbsolutePath().getParent());
            Files.writeString(golden, got, StandardCharsets.UTF_8);
            return;
        }
        assertEquals(Files.readString(golden, StandardCharsets.UTF_8), got, file + " differs from " + golden);
    }

    @Test
    void resumeReusesFinishedModelsOfTheSameConfigOnly() throws IOException {
        JobSummary first = run(config, JobOptions.defaults());
        Path stale = dir.resolve("out/alpha").resolve(JobRunner.WORK).resolve("stale.txt");
        Files.writeString(stale, "from an earlier run");

        JobSummary resumed = run(config, JobOptions.defaults().withResume(true));
        assertTrue(resumed.models().get(0).reused());
        assertTrue(resumed.models().get(1).reused());
        assertFalse(resumed.models().get(2).reused(), "failed models run again");
        assertEquals(quantized(first, 0).accuracy().int8(), quantized(resumed, 0).accuracy().int8());
        assertEquals(quantized(first, 1).size(), quantized(resumed, 1).size());
        assertTrue(Files.exists(stale), "resume keeps the work folder");

        Path changed = write("job.json", Files.readString(config).replace("\"bits\": 4", "\"bits\": 5"));
        JobSummary rerun = run(changed, JobOptions.defaults().withResume(true));
        assertFalse(rerun.models().get(0).reused(), "a changed config runs the model again");
        assertEquals(5, PlanJson.readFile(dir.resolve("out/alpha/plan.json")).weights().get("fc1").bits());

        run(config, JobOptions.defaults());
        assertFalse(Files.exists(stale), "without resume the work folder starts empty");
    }

    /**
     * A {@code report.json} written before {@code metrics.headline_metric} existed has only key-sorted
     * maps: its headline is the first configured metric when that is one of its keys, else its first key.
     */
    @Test
    void aReportWithoutHeadlineMetricFallsBackToTheFirstConfiguredMetric() throws IOException {
        JobSummary first = run(config, JobOptions.defaults());
        Path report = dir.resolve("out/b/report.json");
        com.fasterxml.jackson.databind.node.ObjectNode r = (com.fasterxml.jackson.databind.node.ObjectNode) json(report);
        ((com.fasterxml.jackson.databind.node.ObjectNode) r.path("metrics")).remove("headline_metric");
        JsonFiles.write(report, r);

        JobSummary resumed = run(config, JobOptions.defaults().withResume(true));
        assertTrue(resumed.models().get(1).reused());
        assertEquals("test_top1", quantized(resumed, 1).accuracy().headlineMetric());
        assertEquals(quantized(first, 1).accuracy().drop(), quantized(resumed, 1).accuracy().drop());

        JsonNode metrics = json(report).path("metrics");
        assertEquals("test_error_rate", RunReports.accuracy(metrics, "not_a_key").headlineMetric(),
                "no configured key: the first key, as before");
        assertEquals("test_error_rate", RunReports.accuracy(metrics, null).headlineMetric());
    }

    @Test
    void outputOptionPipelinesAndSpeedProbe() throws IOException {
        Path cfg = write("single.yaml", """
                model: {model: models/alpha.tmlp}
                engine:
                  calibration_dataset: {type: csv, path: data/rows.csv, label_column: label}
                  validation_dataset: {type: csv, path: data/rows.csv, label_column: label, annotation: fp32_output}
                  benchmark: true
                compression:
                  algorithms:
                    - {name: TestWeightOnly, params: {bits: 8}}
                    - {name: TestWeightOnly, params: {bits: 6}}
                output: {dir: ignored}
                """);
        AtomicInteger probes = new AtomicInteger();
        Path target = dir.resolve("elsewhere");
        JobSummary s = run(cfg, JobOptions.defaults().withOutputDir(target).withSpeedProbe((fp32, plan, int8, data) -> {
            probes.incrementAndGet();
            assertTrue(Files.isRegularFile(int8));
            assertEquals(60, data.size());
            return 1.75;
        }));
        ModelOutcome.Quantized o = quantized(s, 0);
        assertEquals(ModelStatus.COMPLETED, o.status());
        assertEquals(target.resolve("alpha/alpha-int8.tmlp"), o.output());
        assertEquals(1, probes.get());
        assertEquals(1.75, o.speedRatio());
        assertEquals(ModelOutcome.Accuracy.NONE, o.accuracy(), "no metrics configured, nothing evaluated");
        JsonNode report = json(target.resolve("alpha/report.json"));
        assertEquals(1.75, report.path("speed_ratio").asDouble());
        assertEquals(2, report.path("algorithms").size());
        assertFalse(report.path("algorithms").get(0).path("report").path("had_previous").asBoolean());
        assertTrue(report.path("algorithms").get(1).path("report").path("had_previous").asBoolean(),
                "the second algorithm of the pipeline sees the first one's result");
        assertEquals(6, PlanJson.readFile(target.resolve("alpha/plan.json")).weights().get("fc2").bits());
        assertFalse(Files.exists(dir.resolve("ignored")), "--output wins over output.dir");
        assertNotNull(s.summaryFile());
    }

    @Test
    void anAlgorithmThatThrowsFailsOnlyItsModel() throws IOException {
        Path cfg = write("fail.json", """
                {"engine": {"calibration_dataset": {"type": "csv", "path": "data/rows.csv", "label_column": "label"}},
                 "models": [
                   {"model": {"model": "models/alpha.tmlp"}, "compression": {"algorithms": [{"name": "TestWeightOnly", "params": {"fail": true}}]}},
                   {"model": {"model": "models/beta.tmlp"}, "compression": {"algorithms": [{"name": "TestWeightOnly"}]}}
                 ]}
                """);
        JobSummary s = run(cfg, JobOptions.defaults());
        ModelOutcome.Failure failure = assertInstanceOf(ModelOutcome.Unfinished.class, s.models().get(0)).failure();
        assertEquals(ErrorCode.INTERNAL, failure.code());
        assertTrue(failure.message().contains("asked to fail"), failure.message());
        assertFalse(Files.exists(dir.resolve("out/alpha/alpha-int8.tmlp")), "no model written for a failed run");
        assertEquals(ModelStatus.COMPLETED, s.models().get(1).status());
    }

    @Test
    void outputNamesFollowTheInput() throws IOException {
        assertEquals("m-int8.onnx", OutputFiles.int8Name("m", Path.of("x/lenet.onnx")));
        assertEquals("m-int8.pt", OutputFiles.int8Name("m", Path.of("lenet.pt")));
        assertEquals("m-int8", OutputFiles.int8Name("m", Path.of("net/saved_model.pb")));
        Path folder = Files.createDirectories(dir.resolve("lenet_savedmodel"));
        assertEquals("m-int8", OutputFiles.int8Name("m", folder));
    }
}
