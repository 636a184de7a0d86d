package org.pot4j.engine.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pot4j.api.ProgressListener;
import org.pot4j.engine.Pot4j;
import org.pot4j.engine.config.JsonFiles;
import org.pot4j.engine.testplugins.TextMlpBackendProvider;

/**
 * Pins {@code summary.json} and every {@code report.json} of one small four-model run (quantized,
 * quantized by DefaultQuantization, missing file, no backend), then of its {@code --resume} rerun
 * (reused outcomes read back from the reports), field for field and in order, against golden files.
 * Only what differs between runs is masked: wall times, the temporary folder, the pot4j version and
 * the resume key that hashes it. A deliberate change to the outputs re-records the files with
 * {@code -Dpot4j.recordGolden=true}; the diff then shows in review what moved.
 */
class RunOutputGoldenTest {
    private static final Path GOLDEN = Path.of("src", "test", "resources", "run-golden");
    private static Pot4j pot4j;
    @TempDir
    Path dir;

    @BeforeAll
    static void engine() {
        pot4j = Pot4j.builder().progress(ProgressListener.NONE).build();
    }

    @AfterAll
    static void close() {
        pot4j.close();
    }

    @Test
    void summaryAndReportsOfOneRunAndItsResumeAreUnchanged() throws IOException {
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
        Path config = Files.writeString(dir.resolve("job.json"), """
                {
                  "engine": {
                    "calibration_dataset": {"type": "csv", "path": "data/rows.csv", "label_column": "label"},
                    "metrics": [{"name": "test_top1"}, {"name": "test_error_rate"}],
                    "benchmark": true
                  },
                  "compression": {"algorithms": [{"name": "TestWeightOnly", "params": {"bits": 4}}]},
                  "models": [
                    {"model": {"model": "models/alpha.tmlp"}},
                    {"model": {"model_name": "b", "model": "models/beta.tmlp", "framework": "textmlp"},
                     "engine": {"benchmark": false},
                     "compression": {"algorithms": [{"name": "DefaultQuantization", "params": {"stat_subset_size": 30}}]}},
                    {"model": {"model": "models/missing.tmlp"}},
                    {"model": {"model": "models/gamma.onnx"}}
                  ]
                }
                """);
        JobOptions options = JobOptions.defaults().withSpeedProbe((fp32, plan, int8, data) -> 1.5);
        new JobRunner(pot4j).run(pot4j.loadConfig(config), config, options);
        List<String> names = List.of("summary.json", "alpha/report.json", "b/report.json", "missing/report.json",
                "gamma/report.json");
        for (String name : names) {
            assertMatches("first-" + name.replace('/', '-'), dir.resolve("out").resolve(name));
        }
        new JobRunner(pot4j).run(pot4j.loadConfig(config), config, options.withResume(true));
        assertMatches("resumed-summary.json", dir.resolve("out/summary.json"));
    }

    private void assertMatches(String goldenName, Path file) throws IOException {
        String got = mask(Files.readString(file, StandardCharsets.UTF_8));
        Path golden = GOLDEN.resolve(goldenName);
        if (Boolean.getBoolean("pot4j.recordGolden") || !Files.exists(golden)) {
            Files.createDirectories(golden.toAbsolutePath().getParent());
            Files.writeString(golden, got, StandardCharsets.UTF_8);
            return;
        }
        assertEquals(Files.readString(golden, StandardCharsets.UTF_8), got, file + " differs from " + golden);
    }

    /** The file's text with the run-dependent values replaced by fixed ones; everything else byte for byte. */
    private String mask(String json) {
        String base = dir.toAbsolutePath().toString().replace("\\", "\\\\"); // as JSON escapes it
        return json.replace("\r\n", "\n").replace(base, "<dir>")
                .replaceAll("(\"[a-z_0-9]*seconds\" : )[-0-9.Ee+]+", "$1" + "0.0")
                .replaceAll("(\"(pot4j_version|resume_key)\" : )\"[^\"]*\"", "$1\"<$2>\"");
    }
}
