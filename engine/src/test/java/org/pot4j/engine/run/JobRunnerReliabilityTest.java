package org.pot4j.engine.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.inject.multibindings.MapBinder;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.ProgressListener;
import org.pot4j.api.Tensor;
import org.pot4j.api.metric.Metric;
import org.pot4j.api.metric.MetricProvider;
import org.pot4j.engine.HeapCheck;
import org.pot4j.engine.Pot4j;
import org.pot4j.engine.config.JsonFiles;
import org.pot4j.engine.config.Pot4jConfig;
import org.pot4j.engine.testplugins.TextMlpBackendProvider;

/**
 * The failure rules of a job (issue 12): no stale reuse, no overwritten input, no model file next
 * to a failed status, checks before anything is written, one dataset error for bad labels.
 */
class JobRunnerReliabilityTest {
    private static Pot4j pot4j;
    @TempDir
    Path dir;

    @BeforeAll
    static void engine() {
        // test_nan: a metric whose average is NaN, so evaluation fails after the model was saved
        pot4j = Pot4j.builder().progress(ProgressListener.NONE).modules(binder ->
                {
                    MapBinder.newMapBinder(binder, String.class, MetricProvider.class).addBinding("test_nan")
                            .toInstance(new NanMetricProvider());
                    MapBinder.newMapBinder(binder, String.class, org.pot4j.api.model.ModelBackendProvider.class)
                            .addBinding("test_oom").toInstance(new OomBackendProvider());
                }).build();
    }

    @AfterAll
    static void close() {
        pot4j.close();
    }

    private Path setUp(String metric, int labelOffset) throws IOException {
        TextMlpBackendProvider.write(dir.resolve("models/alpha.tmlp"), 1, 5, 16, 3);
        writeCsv(dir.resolve("data/rows.csv"), 3, labelOffset);
        return Files.writeString(dir.resolve("job.json"), """
                {"model": {"model": "models/alpha.tmlp"},
                 "engine": {"calibration_dataset": {"type": "csv", "path": "data/rows.csv", "label_column": "label"},
                            "metrics": [{"name": "%s"}]},
                 "compression": {"algorithms": [{"name": "TestWeightOnly", "params": {"bits": 4}}]}}
                """.formatted(metric));
    }

    private static void writeCsv(Path file, long seed, int labelOffset) throws IOException {
        StringBuilder csv = new StringBuilder("f0,f1,f2,f3,f4,label\n");
        Random r = new Random(seed);
        for (int i = 0; i < 30; i++) {
            for (int f = 0; f < 5; f++) {
                csv.append(String.format(Locale.ROOT, "%.4f,", r.nextGaussian()));
            }
            csv.append(i % 3 + labelOffset).append('\n');
        }
        Files.createDirectories(file.getParent());
        Files.writeString(file, csv);
    }

    private JobSummary run(Path cfg, JobOptions options) {
        Pot4jConfig c = pot4j.loadConfig(cfg);
        return new JobRunner(pot4j).run(c, cfg, options);
    }

    @Test
    void resumeReusesOnlyWhenModelDataAndConfigAreUnchanged() throws IOException {
        Path cfg = setUp("test_top1", 0);
        JobOptions resume = JobOptions.defaults().withResume(true);
        assertFalse(run(cfg, JobOptions.defaults()).models().get(0).reused());
        assertTrue(run(cfg, resume).models().get(0).reused(), "same inputs: reused");

        // the model replaced under the same path (same size: only the content differs)
        TextMlpBackendProvider.write(dir.resolve("models/alpha.tmlp"), 2, 5, 16, 3);
        ModelOutcome afterModel = run(cfg, resume).models().get(0);
        assertFalse(afterModel.reused(), "a changed model must run again");
        assertTrue(run(cfg, resume).models().get(0).reused());

        writeCsv(dir.resolve("data/rows.csv"), 9, 0);
        assertFalse(run(cfg, resume).models().get(0).reused(), "changed calibration data must run again");

        JsonNode report = JsonFiles.mapper().readTree(dir.resolve("out/alpha/report.json").toFile());
        assertEquals(64, report.path("resume_key").asText().length());
        assertEquals(2, report.path("inputs").size(), "model and csv are both recorded: " + report.path("inputs"));
        assertEquals(List.of("alpha-int8.tmlp"), List.of(report.path("output_files").get(0).asText()));
    }

    @Test
    void checkpointsOfOtherInputsAreDeletedOnResume() throws IOException {
        Path cfg = setUp("test_top1", 0);
        run(cfg, JobOptions.defaults());
        Path stale = Files.writeString(dir.resolve("out/alpha").resolve(JobRunner.WORK).resolve("aa-checkpoint.json"), "{}");
        run(cfg, JobOptions.defaults().withResume(true));
        assertTrue(Files.exists(stale), "same inputs: checkpoints kept (the result was reused)");
        Files.delete(dir.resolve("out/alpha/report.json"));
        writeCsv(dir.resolve("data/rows.csv"), 5, 0);
        run(cfg, JobOptions.defaults().withResume(true));
        assertFalse(Files.exists(stale), "checkpoints made from other data are deleted");
    }

    @Test
    void anOutputThatWouldOverwriteAnInputIsRefusedBeforeWriting() throws IOException {
        Path cfg = setUp("test_top1", 0);
        // the model lives where the INT8 model would be written
        Path victim = dir.resolve("out/alpha/alpha-int8.tmlp");
        Files.createDirectories(victim.getParent());
        Files.copy(dir.resolve("models/alpha.tmlp"), victim);
        Files.writeString(cfg, Files.readString(cfg).replace("\"model\": \"models/alpha.tmlp\"",
                "\"model_name\": \"alpha\", \"model\": \"out/alpha/alpha-int8.tmlp\""));
        byte[] before = Files.readAllBytes(victim);
        Pot4jException e = assertThrows(Pot4jException.class, () -> run(cfg, JobOptions.defaults()));
        assertEquals(ErrorCode.CONFIG_INVALID, e.code());
        assertTrue(e.getMessage().contains("would overwrite the model"), e.getMessage());
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(victim)), "input untouched");
        assertFalse(Files.exists(dir.resolve("out/summary.json")));

        // a dataset file inside the model's output folder, reached through a symbolic link
        Path cfg2 = setUp("test_top1", 0);
        Files.createDirectories(dir.resolve("o2/alpha"));
        Files.copy(dir.resolve("data/rows.csv"), dir.resolve("o2/alpha/rows.csv"));
        Files.createSymbolicLink(dir.resolve("link"), dir.resolve("o2"));
        Files.writeString(cfg2, Files.readString(cfg2).replace("data/rows.csv", "link/alpha/rows.csv"));
        Pot4jException d = assertThrows(Pot4jException.class, () -> run(cfg2, JobOptions.defaults().withOutputDir(dir.resolve("o2"))));
        assertTrue(d.getMessage().contains("would overwrite the dataset file"), d.getMessage());
    }

    @Test
    void anOutputPathThatIsAFileIsRefused() throws IOException {
        Path cfg = setUp("test_top1", 0);
        Path file = Files.writeString(dir.resolve("out-file"), "x");
        Pot4jException e = assertThrows(Pot4jException.class, () -> run(cfg, JobOptions.defaults().withOutputDir(file)));
        assertEquals(ErrorCode.CONFIG_INVALID, e.code());
        assertTrue(e.getMessage().contains("is an existing file"), e.getMessage());
    }

    @Test
    void aModelThatFailsAfterSavingLeavesNoModelFileAndRemovesAStaleOne() throws IOException {
        Path cfg = setUp("test_top1", 0);
        Path int8 = dir.resolve("out/alpha/alpha-int8.tmlp");
        assertEquals(ModelStatus.COMPLETED, run(cfg, JobOptions.defaults()).models().get(0).status());
        assertTrue(Files.isRegularFile(int8));

        Files.writeString(cfg, Files.readString(cfg).replace("test_top1", "test_nan"));
        ModelOutcome o = run(cfg, JobOptions.defaults()).models().get(0);
        assertEquals(ModelStatus.FAILED, o.status());
        assertEquals(ErrorCode.METRIC_FAILED, assertInstanceOf(ModelOutcome.Unfinished.class, o).failure().code(),
                "no output path: no model file next to a failed status");
        assertFalse(Files.exists(int8), "no INT8 file next to a FAILED status, not even the earlier run's");
        try (var s = Files.list(dir.resolve("out/alpha"))) {
            List<String> left = s.map(p -> p.getFileName().toString()).sorted().toList();
            assertEquals(List.of("report.json", "work"), left, "no staging folder, no plan of a failed model");
        }
        JsonNode summary = JsonFiles.mapper().readTree(dir.resolve("out/summary.json").toFile());
        assertTrue(summary.path("models").get(0).path("output").isNull());
        assertEquals("FAILED", summary.path("models").get(0).path("status").asText());
    }

    @Test
    void labelsOutOfRangeAreOneDatasetErrorWithTheFirstSampleAndTheCount() throws IOException {
        Path cfg = setUp("test_top1", 1);   // labels 1..3 for a 3-class output: every third is bad
        ModelOutcome o = run(cfg, JobOptions.defaults()).models().get(0);
        assertEquals(ModelStatus.FAILED, o.status());
        ModelOutcome.Failure f = assertInstanceOf(ModelOutcome.Unfinished.class, o).failure();
        assertEquals(ErrorCode.DATASET_INVALID, f.code());
        assertTrue(f.message().contains("10 of 30 samples"), f.message());
        assertTrue(f.message().contains("first: sample 2 with label 3"), f.message());
        assertFalse(Files.exists(dir.resolve("out/alpha/alpha-int8.tmlp")));
    }

    @Test
    void badAlgorithmAndMetricValuesFailWhenTheConfigLoads() throws IOException {
        Path cfg = setUp("test_top1", 0);
        String base = Files.readString(cfg);
        for (String[] bad : new String[][] {
                {"\"bits\": 4}}]", "\"bits\": 4}}, {\"name\": \"DefaultQuantization\", \"params\": {\"stat_subset_size\": 0}}]", "stat_subset_size"},
                {"\"bits\": 4}}]", "\"bits\": 4}}, {\"name\": \"DefaultQuantization\", \"params\": {\"preset\": \"fastest\"}}]", "preset"},
                {"\"name\": \"TestWeightOnly\", \"params\": {\"bits\": 4}}",
                    "\"name\": \"AccuracyAwareQuantization\", \"params\": {\"maximal_drop\": 1.5}}", "maximal_drop"},
                {"\"name\": \"TestWeightOnly\", \"params\": {\"bits\": 4}}",
                    "\"name\": \"AccuracyAwareQuantization\", \"params\": {\"drop_type\": \"percent\"}}", "drop_type"},
                {"\"name\": \"TestWeightOnly\", \"params\": {\"bits\": 4}}",
                    "\"name\": \"AccuracyAwareQuantization\", \"params\": {\"stat_subset_size\": -3}}", "stat_subset_size"},
                {"{\"name\": \"test_top1\"}", "{\"name\": \"test_top1\", \"params\": {\"invert\": 3}}", "invert"}}) {
            Files.writeString(cfg, base.replace(bad[0], bad[1]));
            Pot4jException e = assertThrows(Pot4jException.class, () -> pot4j.loadConfig(cfg), bad[1]);
            assertTrue(e.getMessage().contains(bad[2]) && e.getMessage().contains("job.json"), e.getMessage());
            assertFalse(Files.exists(dir.resolve("out")), "nothing on disk for a bad config");
        }
    }

    @Test
    void aFifoOrDeviceAsModelIsRefusedWithoutReading() throws Exception {
        Path fifo = dir.resolve("model.onnx");
        Process p;
        try {
            p = new ProcessBuilder("mkfifo", fifo.toString()).start();
        } catch (IOException e) {
            p = null;
        }
        assumeTrue(p != null && p.waitFor() == 0 && Files.exists(fifo), "mkfifo not available");
        Pot4jException e = assertThrows(Pot4jException.class, () -> pot4j.loadModel(fifo));
        assertEquals(ErrorCode.FILE_NOT_FOUND, e.code());
        assertTrue(e.getMessage().contains("not a regular file or folder"), e.getMessage());
        Path zero = Path.of("/dev/zero");
        assumeTrue(Files.exists(zero));
        assertTrue(assertThrows(Pot4jException.class, () -> pot4j.loadModel(zero)).getMessage().contains("not a regular file"));
    }

    @Test
    void aModelLargerThanTheHeapFailsBeforeItIsRead() throws IOException {
        Path big = dir.resolve("big.onnx");
        long max = Runtime.getRuntime().maxMemory();
        assumeTrue(max < (64L << 30), "heap unbounded");
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(max);   // sparse: no disk space used
        }
        Pot4jException e = assertThrows(Pot4jException.class, () -> HeapCheck.beforeReading(big, "model big.onnx"));
        assertEquals(ErrorCode.OUT_OF_MEMORY, e.code());
        assertTrue(e.getMessage().contains("JAVA_OPTS=-Xmx") && e.getMessage().contains("model big.onnx"), e.getMessage());
        assertEquals(ErrorCode.OUT_OF_MEMORY, assertThrows(Pot4jException.class, () -> pot4j.loadModel(big)).code());
    }

    @Test
    void anInterruptedRunWritesASummaryWithStatusInterrupted() throws IOException {
        Path cfg = setUp("test_top1", 0);
        AtomicReference<JobRunner> runner = new AtomicReference<>();
        AtomicReference<Path> written = new AtomicReference<>();
        ProgressListener interruptAtStart = new ProgressListener() {
            @Override
            public void progress(String stage, long done, long total) {
            }

            @Override
            public void stageFinished(String stage) {
            }

            @Override
            public void stageStarted(String stage, long total) {
            }

            @Override
            public void message(String text) {
                if (written.get() == null) {
                    written.set(runner.get().writeInterruptedSummary());
                }
            }
        };
        runner.set(new JobRunner(pot4j));
        runner.get().run(pot4j.loadConfig(cfg), cfg, JobOptions.defaults().withProgress(interruptAtStart));
        assertEquals(dir.resolve("out/summary.json"), written.get());
        assertNull(runner.get().writeInterruptedSummary(), "no run in progress");
    }

    @Test
    void theAccuracyAwareHtmlReportLandsNextToReportJson() throws IOException {
        Path cfg = setUp("test_top1", 0);
        Files.writeString(cfg, Files.readString(cfg).replace("\"name\": \"TestWeightOnly\", \"params\": {\"bits\": 4}",
                "\"name\": \"AccuracyAwareQuantization\", \"params\": {\"maximal_drop\": 0.5, \"stat_subset_size\": 30}"));
        ModelOutcome o = run(cfg, JobOptions.defaults()).models().get(0);
        assertTrue(o.succeeded(), String.valueOf(o));
        assertTrue(Files.isRegularFile(dir.resolve("out/alpha/accuracy-aware-report.html")));
        assertFalse(Files.exists(dir.resolve("out/alpha").resolve(JobRunner.WORK).resolve("accuracy-aware-report.html")));
    }

    @Test
    void outOfMemoryWhileLoadingFailsOnlyThatModelWithOneClearLine() throws IOException {
        Path cfg = setUp("test_top1", 0);
        Files.writeString(cfg, Files.readString(cfg).replace("\"model\": \"models/alpha.tmlp\"",
                "\"model\": \"models/alpha.tmlp\", \"framework\": \"test_oom\""));
        ModelOutcome o = run(cfg, JobOptions.defaults()).models().get(0);
        assertEquals(ModelStatus.FAILED, o.status());
        ModelOutcome.Failure f = assertInstanceOf(ModelOutcome.Unfinished.class, o).failure();
        assertEquals(ErrorCode.OUT_OF_MEMORY, f.code());
        assertTrue(f.message().startsWith("out of memory while loading the model ") && f.message().contains("JAVA_OPTS=-Xmx")
                && !f.message().contains("\n"), f.message());
        assertFalse(Files.exists(dir.resolve("out/alpha/alpha-int8.tmlp")));
    }

    /** A backend whose load runs out of heap, as a model too large for -Xmx does. */
    static final class OomBackendProvider implements org.pot4j.api.model.ModelBackendProvider {
        @Override
        public String name() {
            return "test_oom";
        }

        @Override
        public String version() {
            return "test";
        }

        @Override
        public org.pot4j.api.model.ModelBackend create(Map<String, Object> options) {
            return new org.pot4j.api.model.ModelBackend() {
                @Override
                public String name() {
                    return "test_oom";
                }

                @Override
                public Set<org.pot4j.api.model.BackendCapability> capabilities() {
                    return Set.of();
                }

                @Override
                public boolean accepts(Path path) {
                    return false;
                }

                @Override
                public org.pot4j.api.model.Model load(Path path, Map<String, Object> options) {
                    throw new OutOfMemoryError("Java heap space");
                }
            };
        }
    }

    /** A metric whose average is NaN. */
    static final class NanMetricProvider implements MetricProvider<org.pot4j.api.param.NoParameters> {
        @Override
        public String name() {
            return "test_nan";
        }

        @Override
        public Class<org.pot4j.api.param.NoParameters> parameters() {
            return org.pot4j.api.param.NoParameters.class;
        }

        @Override
        public Metric create(org.pot4j.api.param.NoParameters params) {
            return new Metric() {
                @Override
                public Map<String, Double> value() {
                    return Map.of("test_nan", 0.0);
                }

                @Override
                public Map<String, Double> avgValue() {
                    return Map.of("test_nan", Double.NaN);
                }

                @Override
                public boolean higherBetter() {
                    return true;
                }

                @Override
                public void update(List<Tensor> outputs, Object annotation) {
                }

                @Override
                public void reset() {
                }

                @Override
                public Map<String, Map<String, String>> attributes() {
                    return Map.of("test_nan", Map.of("direction", "higher-better", "type", "custom"));
                }
            };
        }
    }
}
