package org.pot4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.pot4j.api.ErrorCode;
import org.pot4j.engine.run.JobSummary;
import org.pot4j.engine.run.ModelOutcome;
import org.pot4j.engine.run.ModelStatus;

class QuantizeCommandTest {
    @Test
    void exitCodesFollowTheWorstOutcome() {
        assertEquals(ExitCode.OK, QuantizeCommand.exitCode(summary(ok("a"), ok("b"))));
        assertEquals(ExitCode.TARGET_NOT_MET, QuantizeCommand.exitCode(summary(ok("a"), bestEffort("b"))));
        assertEquals(ExitCode.USAGE, QuantizeCommand.exitCode(summary(bestEffort("a"), failed("b", ErrorCode.NO_BACKEND))));
        assertEquals(ExitCode.FAILURE, QuantizeCommand.exitCode(summary(failed("a", ErrorCode.NO_BACKEND),
                failed("b", ErrorCode.RUNTIME_FAILURE))));
    }

    @Test
    void tableShowsTheHeadlineMetricFirstThenTheOthers() {
        ModelOutcome o = new ModelOutcome.Quantized(new ModelOutcome.Subject("minilm", Path.of("m.onnx"), "onnx",
                "DefaultQuantization"), ModelStatus.COMPLETED, Path.of("out/minilm-int8.onnx"),
                new ModelOutcome.Accuracy(Map.of("cosine_similarity", 1.0, "nmse", 0.0),
                        Map.of("cosine_similarity", 0.995, "nmse", 0.01),
                        new java.util.TreeMap<>(Map.of("cosine_similarity", 0.005, "nmse", 0.01))), // headline first
                new ModelOutcome.Size(90_000_000L, 23_000_000L), 1.62, Path.of("report.json"), 12, false);
        String[] lines = QuantizeCommand.table(List.of(o, failed("resnet_tf", ErrorCode.NO_BACKEND))).split("\n");
        assertEquals(5, lines.length, String.join("\n", lines));
        assertTrue(lines[0].matches("model\\s+backend\\s+algorithm\\s+metric\\s+FP32 -> INT8\\s+drop\\s+size\\s+speed\\s+status"), lines[0]);
        assertTrue(lines[2].matches("minilm\\s+onnx\\s+DefaultQuantization\\s+cosine_similarity\\s+1\\.0000 -> 0\\.9950\\s+0\\.0050\\s+0\\.26x\\s+1\\.62x\\s+COMPLETED"), lines[2]);
        assertTrue(lines[3].matches("\\s+nmse\\s+0\\.0000 -> 0\\.0100\\s+0\\.0100"), lines[3]);
        assertTrue(lines[4].matches("resnet_tf\\s+-\\s+-\\s+-\\s+-\\s+-\\s+-\\s+-\\s+FAILED \\(no_backend\\)"), lines[4]);
    }

    @Test
    void theHeadlineRowIsPickedByNameWhenTwoMetricsHaveTheSameDrop() {
        // top1 and error_rate move by the same amount; the headline (top1, configured first) is
        // alphabetically second, so matching the drop value would pick error_rate
        ModelOutcome o = new ModelOutcome.Quantized(new ModelOutcome.Subject("cnn", Path.of("m.onnx"), "onnx",
                "DefaultQuantization"), ModelStatus.COMPLETED, Path.of("out/cnn-int8.onnx"),
                new ModelOutcome.Accuracy(Map.of("top1", 0.75, "error_rate", 0.25), Map.of("top1", 0.5, "error_rate", 0.5),
                        Map.of("top1", 0.25, "error_rate", 0.25), "top1"),
                new ModelOutcome.Size(4000L, 1000L), null, Path.of("report.json"), 1, false);
        String[] lines = QuantizeCommand.table(List.of(o)).split("\n");
        assertEquals(4, lines.length, String.join("\n", lines));
        assertTrue(lines[2].matches("cnn\\s+onnx\\s+DefaultQuantization\\s+top1\\s+0\\.7500 -> 0\\.5000\\s+0\\.2500\\s+.*"), lines[2]);
        assertTrue(lines[3].matches("\\s+error_rate\\s+0\\.2500 -> 0\\.5000\\s+0\\.2500"), lines[3]);
    }

    private static JobSummary summary(ModelOutcome... outcomes) {
        return new JobSummary(List.of(outcomes), Path.of("out"), Path.of("out/summary.json"), 1);
    }

    private static ModelOutcome ok(String name) {
        return outcome(name, ModelStatus.TARGET_MET);
    }

    private static ModelOutcome bestEffort(String name) {
        return outcome(name, ModelStatus.BEST_EFFORT);
    }

    private static ModelOutcome failed(String name, ErrorCode code) {
        return new ModelOutcome.Unfinished(new ModelOutcome.Subject(name, Path.of(name), null, null), ModelStatus.FAILED,
                new ModelOutcome.Failure(code, "it failed", null), Path.of("report.json"), 0);
    }

    private static ModelOutcome outcome(String name, ModelStatus status) {
        return new ModelOutcome.Quantized(new ModelOutcome.Subject(name, Path.of(name), "onnx", "AccuracyAwareQuantization"),
                status, Path.of(name + "-int8.onnx"), new ModelOutcome.Accuracy(Map.of("accuracy", 0.99),
                        Map.of("accuracy", 0.98), Map.of("accuracy", 0.01)), new ModelOutcome.Size(4000L, 1000L), null,
                Path.of("report.json"), 1, false);
    }
}
