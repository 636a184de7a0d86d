package org.pot4j.engine.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pot4j.api.ProgressListener;
import org.pot4j.engine.Pot4j;
import org.pot4j.engine.config.JsonFiles;
import org.pot4j.engine.testplugins.TextMlpBackendProvider;

/**
 * POT's usage example of AccuracyAwareQuantization (the seed's {@code algorithms = [{"name":
 * "AccuracyAwareQuantization", "params": {"target_device": "ANY", "stat_subset_size": 300,
 * 'maximal_drop': 0.02}}]}) as a pot4j config run end to end: the given values and the documented
 * defaults for everything else must reach the algorithm, and the base algorithm must get its own
 * parameters unchanged. See docs/seed-conformance.md.
 */
class PotConfigSeedExampleTest {
    @TempDir
    Path dir;

    private void modelAndData() throws IOException {
        TextMlpBackendProvider.write(dir.resolve("model.tmlp"), 4, 5, 16, 3);
        StringBuilder csv = new StringBuilder("f0,f1,f2,f3,f4,label\n");
        Random r = new Random(5);
        for (int i = 0; i < 80; i++) {
            for (int f = 0; f < 5; f++) {
                csv.append(String.format(Locale.ROOT, "%.4f,", r.nextGaussian()));
            }
            csv.append(i % 3).append('\n');
        }
        Files.writeString(dir.resolve("rows.csv"), csv);
    }

    private JobSummary run(Path config) {
        try (Pot4j pot4j = Pot4j.builder().progress(ProgressListener.NONE).build()) {
            return new JobRunner(pot4j).run(pot4j.loadConfig(config), config, JobOptions.defaults());
        }
    }

    /** POT's example with other AccuracyAware params. */
    private Path config(String name, String params) throws IOException {
        return Files.writeString(dir.resolve(name), """
                {
                  "models": [{"model": {"model_name": "model", "model": "model.tmlp"}}],
                  "engine": {
                    "calibration_dataset": {"type": "csv", "path": "rows.csv", "label_column": "label"},
                    "metrics": [{"name": "test_top1"}]
                  },
                  "compression": {"algorithms": [{"name": "AccuracyAwareQuantization", "params": %s}]}
                }
                """.formatted(params));
    }

    /**
     * 300 rows labelled with the FP32 model's own prediction (so FP32 scores 1.0 and any INT8 flip
     * is a drop) for a 6-12-3 model whose DefaultQuantization flips some of them.
     */
    private void fp32LabelledData() throws IOException {
        Path model = TextMlpBackendProvider.write(dir.resolve("model.tmlp"), 5, 6, 12, 3);
        Random r = new Random(21);
        float[][] rows = new float[300][6];
        for (float[] row : rows) {
            for (int f = 0; f < row.length; f++) {
                row[f] = (float) (0.2 + r.nextGaussian());
            }
        }
        StringBuilder csv = new StringBuilder("f0,f1,f2,f3,f4,f5,label\n");
        try (Pot4j pot4j = Pot4j.builder().progress(ProgressListener.NONE).build();
             org.pot4j.api.model.Model m = pot4j.loadModel(model);
             org.pot4j.api.model.CompiledModel c = m.compile(org.pot4j.api.quant.QuantizationPlan.EMPTY, java.util.Set.of())) {
            for (float[] row : rows) {
                float[] out = c.infer(Map.of(m.inputs().get(0).name(),
                        org.pot4j.api.Tensor.ofFloats(new long[] {1, row.length}, row))).values().iterator().next().floats();
                int best = 0;
                for (int k = 1; k < out.length; k++) {
                    best = out[k] > out[best] ? k : best;
                }
                for (float v : row) {
                    csv.append(String.format(Locale.ROOT, "%.9g,", v));
                }
                csv.append(best).append('\n');
            }
        }
        Files.writeString(dir.resolve("rows.csv"), csv);
    }

    @Test
    void onTargetMissedErrorFailsTheModelWhereTheDefaultKeepsTheBestOne() throws IOException {
        fp32LabelledData();
        String missed = "{\"maximal_drop\": 0, \"max_iter_num\": 0";
        ModelOutcome best = run(config("best.json", missed + "}")).models().get(0);
        assertEquals(ModelStatus.BEST_EFFORT, best.status(), "the scenario needs a missed target");
        ModelOutcome error = run(config("error.json", missed + ", \"on_target_missed\": \"error\"}")).models().get(0);
        assertEquals(ModelStatus.FAILED, error.status());
        ModelOutcome.Failure f = assertInstanceOf(ModelOutcome.Unfinished.class, error).failure();
        assertEquals(org.pot4j.api.ErrorCode.ACCURACY_TARGET_NOT_MET, f.code());
        org.junit.jupiter.api.Assertions.assertTrue(f.message().contains("on_target_missed"), f.message());
    }

    @Test
    @SuppressWarnings("unchecked")
    void potsConfigExampleReachesTheAlgorithmWithTheDocumentedDefaults() throws IOException {
        modelAndData();
        Path config = Files.writeString(dir.resolve("pot-example.json"), """
                {
                  "models": [{"model": {"model_name": "model", "model": "model.tmlp"}}],
                  "engine": {
                    "calibration_dataset": {"type": "csv", "path": "rows.csv", "label_column": "label"},
                    "metrics": [{"name": "test_top1"}]
                  },
                  "compression": {"algorithms": [{"name": "AccuracyAwareQuantization",
                    "params": {"target_device": "ANY", "stat_subset_size": 300, "maximal_drop": 0.02}}]}
                }
                """);
        JobSummary s = run(config);
        ModelOutcome o = s.models().get(0);
        assertEquals("AccuracyAwareQuantization", o.subject().algorithm());
        JsonNode report = JsonFiles.mapper().readTree(Files.readString(dir.resolve("out/model/report.json")))
                .path("algorithms").get(0).path("report");
        Map<String, Object> expected = new TreeMap<>(Map.of("maximal_drop", 0.02, "drop_type", "absolute",
                "ranking_subset_size", 300, "max_iter_num", 30, "use_prev_if_drop_increase", false,
                "base_algorithm", "DefaultQuantization", "convert_to_mixed_preset", false, "metric_subset_ratio", 0.5,
                "on_target_missed", "best_effort"));
        // compared as text: JSON numbers come back as whatever numeric type Jackson picks
        Map<String, Object> reached = new TreeMap<>(JsonFiles.mapper().convertValue(report.path("parameters"), Map.class));
        reached.keySet().retainAll(expected.keySet()); // pot4j's own additions (ranking mode, ...) are not the seed's
        assertEquals(expected.toString(), reached.toString());
        assertEquals(new TreeMap<>(Map.of("target_device", "ANY", "stat_subset_size", 300)).toString(),
                new TreeMap<>(JsonFiles.mapper().convertValue(report.path("base_parameters"), Map.class)).toString());
    }
}
