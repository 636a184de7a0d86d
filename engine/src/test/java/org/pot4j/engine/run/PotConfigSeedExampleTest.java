package org.pot4j.engine.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

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

    @Test
    void potsConfigExampleReachesTheAlgorithmWithTheDocumentedDefaults() throws IOException {
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
        JobSummary s;
        try (Pot4j pot4j = Pot4j.builder().progress(ProgressListener.NONE).build()) {
            s = new JobRunner(pot4j).run(pot4j.loadConfig(config), config, JobOptions.defaults());
        }
        ModelOutcome o = s.models().get(0);
        assertEquals("AccuracyAwareQuantization", o.algorithm());
        JsonNode report = JsonFiles.mapper().readTree(Files.readString(dir.resolve("out/model/report.json")))
                .path("algorithms").get(0).path("report");
        Map<String, Object> expected = new TreeMap<>(Map.of("maximal_drop", 0.02, "drop_type", "absolute",
                "ranking_subset_size", 300, "max_iter_num", 30, "use_prev_if_drop_increase", false,
                "base_algorithm", "DefaultQuantization", "convert_to_mixed_preset", false, "metric_subset_ratio", 0.5,
                "on_target_missed", "best_effort"));
        // compared as text: JSON numbers come back as whatever numeric type Jackson picks
        assertEquals(expected.toString(),
                new TreeMap<>(JsonFiles.mapper().convertValue(report.path("parameters"), Map.class)).toString());
        assertEquals(new TreeMap<>(Map.of("target_device", "ANY", "stat_subset_size", 300)).toString(),
                new TreeMap<>(JsonFiles.mapper().convertValue(report.path("base_parameters"), Map.class)).toString());
    }
}
