package org.pot4j.engine.config;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.pot4j.api.quant.QuantizationAlgorithm;
import org.pot4j.engine.algorithms.DefaultQuantization;
import org.pot4j.engine.algorithms.accuracyaware.AccuracyAwareQuantizationProvider;
import org.pot4j.testkit.FuzzInputs;

/**
 * Fuzzing of the config reader (JSON and YAML) and of the algorithms' parameter checks that run when
 * a config loads (issue 12): any text may only load or fail with a {@code Pot4jException}.
 */
class ConfigFuzzTest {
    private static final int EXECUTIONS = FuzzInputs.executions(3000);
    private static final String JSON = """
            {"model": {"model_name": "m", "model": "m.onnx", "framework": "onnx", "options": {"threads": 1}},
             "engine": {"calibration_dataset": {"type": "idx", "images": "i.idx", "labels": "l.idx"},
                        "validation_dataset": {"type": "npy", "path": "x.npy", "annotation": "fp32_output"},
                        "metrics": [{"name": "accuracy", "params": {"top_k": 1}}, "nmse"], "batch_size": 8, "threads": 2},
             "compression": {"target_device": "CPU", "algorithms": [{"name": "AccuracyAwareQuantization",
                 "params": {"maximal_drop": 0.01, "drop_type": "relative", "preset": "mixed", "stat_subset_size": 300,
                            "weights": {"bits": 8, "range_estimator": {"max": {"type": "abs_quantile", "outlier_prob": 0.001}}},
                            "activations": {"range_estimator": {"preset": "quantile"}}, "ignored": {"scope": ["a"]}}}]},
             "output": {"dir": "out"}}
            """;
    private static final String YAML = """
            models:
              - model: {model: a.onnx}
              - model: {model_name: b, model: b.pt}
                compression: {algorithms: [{name: DefaultQuantization, params: {preset: performance, use_fast_bias: false}}]}
            engine:
              calibration_dataset: {type: csv, path: rows.csv, label_column: label}
              metrics: [{name: f1}]
            """;

    @FuzzTest(maxDuration = "2m")
    void json(byte[] data) {
        FuzzInputs.rejectOnlyWithPot4jException(() -> load(data, false));
    }

    @FuzzTest(maxDuration = "2m")
    void yaml(byte[] data) {
        FuzzInputs.rejectOnlyWithPot4jException(() -> load(data, true));
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void boundedMutations() {
        List<byte[]> seeds = List.of(JSON.getBytes(StandardCharsets.UTF_8), YAML.getBytes(StandardCharsets.UTF_8),
                "{\"model\": {\"model\": \"x\"}, \"engine\": {\"calibration_dataset\": {\"type\": \"npy\", \"path\": \"p\"}}}"
                        .getBytes(StandardCharsets.UTF_8));
        int runs = FuzzInputs.run("config-json", seeds, EXECUTIONS, 4, d -> load(d, false));
        runs += FuzzInputs.run("config-yaml", seeds, EXECUTIONS, 5, d -> load(d, true));
        System.out.println("ConfigFuzzTest: " + runs + " inputs, no finding");
        assertTrue(runs >= 2 * EXECUTIONS);
    }

    /** Parses the text and checks every algorithm's parameters as loading with installed plugins does. */
    static void load(byte[] data, boolean yaml) {
        String text = new String(data, StandardCharsets.UTF_8);
        Pot4jConfig c = new ConfigLoader().parse(text, yaml, Path.of("fuzz" + (yaml ? ".yaml" : ".json")));
        QuantizationAlgorithm aa = new AccuracyAwareQuantizationProvider().create();
        for (ModelJob job : c.models()) {
            for (AlgorithmSpec a : job.compression().algorithms()) {
                if (a.name().equals(aa.name())) {
                    aa.checkParameters(a.params());
                } else {
                    new DefaultQuantization().checkParameters(a.params());
                }
            }
        }
    }
}
