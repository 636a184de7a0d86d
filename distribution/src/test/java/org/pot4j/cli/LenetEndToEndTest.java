package org.pot4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's three working commands on the real LeNet example: quantize (with the speed
 * probe), benchmark the result against the FP32 model, and evaluate both. Numbers are checked for
 * sanity (accuracy, size), never for speed: timing is reported, not asserted.
 */
class LenetEndToEndTest {
    @TempDir
    Path tmp;

    @Test
    void quantizeThenBenchmarkThenEvaluate() throws Exception {
        Path config = CliRun.example("mnist-lenet/config.json");
        assumeTrue(Files.exists(config), "LeNet example not there yet");
        Path fp32 = config.resolveSibling("lenet.onnx");
        Path out = tmp.resolve("out");

        CliRun q = CliRun.of("quantize", config.toString(), "--output", out.toString(), "--benchmark",
                "--benchmark-batch", "1,8");
        assertEquals(0, q.code(), q.toString());
        Matcher row = Pattern.compile("(?m)^lenet\\s+onnx\\s+DefaultQuantization\\s+accuracy\\S*\\s+(0\\.\\d{4}) -> (0\\.\\d{4})"
                + "\\s+(-?\\d\\.\\d{4})\\s+(\\d\\.\\d\\d)x\\s+(\\d+\\.\\d\\d)x\\s+COMPLETED$").matcher(q.out());
        assertTrue(row.find(), q.toString());
        double fp32Accuracy = Double.parseDouble(row.group(1));
        double int8Accuracy = Double.parseDouble(row.group(2));
        assertTrue(fp32Accuracy > 0.95, "LeNet FP32 accuracy " + fp32Accuracy);
        assertTrue(fp32Accuracy - int8Accuracy < 0.02, q.toString());
        assertTrue(Double.parseDouble(row.group(4)) < 0.35, "INT8 file should be about a quarter of FP32: " + q.out());
        Path int8 = out.resolve("lenet").resolve("lenet-int8.onnx");
        assertTrue(Files.isRegularFile(int8), q.toString());
        assertTrue(Files.isRegularFile(out.resolve("summary.json")), q.toString());
        assertTrue(q.out().contains("summary: " + out.resolve("summary.json")), q.toString());
        assertTrue(q.out().contains("speed = INT8/FP32 throughput at the largest batch of [1, 8]"), q.toString());

        CliRun b = CliRun.of("benchmark", fp32.toString(), int8.toString(), "--warmup", "1", "--repeats", "3",
                "--batch", "1,8", "--threads", "1");
        assertEquals(0, b.code(), b.toString());
        for (String batch : new String[] {"1", "8"}) {
            assertTrue(Pattern.compile("(?m)^\\s+" + batch + "\\s+FP32\\s+onnx\\s+[\\d.]+\\s+[\\d.]+\\s+[\\d.]+\\s+[\\d.]+\\s+1\\.00x \\(base\\)$")
                    .matcher(b.out()).find(), b.toString());
            assertTrue(Pattern.compile("(?m)^\\s+" + batch + "\\s+INT8\\s+onnx\\s+[\\d.]+\\s+[\\d.]+\\s+[\\d.]+\\s+[\\d.]+\\s+\\d+\\.\\d\\dx$")
                    .matcher(b.out()).find(), b.toString());
        }
        assertTrue(b.out().contains("INT8/FP32 speed: "), b.toString());
        assertTrue(b.out().contains("random inputs"), b.toString());

        CliRun real = CliRun.of("benchmark", fp32.toString(), int8.toString(), "--warmup", "0", "--repeats", "2",
                "--batch", "4", "--config", config.toString());
        assertEquals(0, real.code(), real.toString());
        assertTrue(real.out().contains("samples from " + config), real.toString());
        assertEquals(2, Pattern.compile("(?m)^\\s+4\\s+(FP32|INT8)\\s+onnx").matcher(real.out()).results().count(), real.toString());

        CliRun e = CliRun.of("evaluate", config.toString(), "--quantized", int8.toString());
        assertEquals(0, e.code(), e.toString());
        Matcher eval = Pattern.compile("(?m)^lenet\\s+onnx\\s+accuracy\\S*\\s+(0\\.\\d{4})\\s+(0\\.\\d{4})\\s+(-?\\d\\.\\d{4})$")
                .matcher(e.out());
        assertTrue(eval.find(), e.toString());
        assertEquals(fp32Accuracy, Double.parseDouble(eval.group(1)), 1e-9, "evaluate agrees with quantize on FP32");
        assertEquals(int8Accuracy, Double.parseDouble(eval.group(2)), 1e-9, "and on the saved INT8 model");
    }
}
