package org.pot4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mixed-framework example with only the launcher's own class path (backend-onnx, no plugins):
 * the ONNX model is quantized, the TensorFlow and TorchScript ones fail alone with a message that
 * says which backend to install, and the exit code says the failures were the user's setup.
 */
class MixedRunWithOnnxOnlyTest {
    @TempDir
    Path tmp;

    @Test
    void onnxModelIsQuantizedAndTheOthersAskForTheirBackend() throws IOException {
        Optional<Path> config = mixedConfig();
        assumeTrue(config.isPresent(), "examples/mixed has no config yet");
        CliRun r = CliRun.of("quantize", config.get().toString(), "--output", tmp.resolve("out").toString());

        assertEquals(ExitCode.USAGE, r.code(), "missing backends are a setup error: " + r);
        List<String> rows = r.out().lines().filter(l -> l.matches("\\S+\\s+(onnx|-)\\s+.*")).toList();
        assertTrue(rows.stream().anyMatch(l -> l.matches("\\S+\\s+onnx\\s+.*(COMPLETED|TARGET MET|BEST EFFORT)$")), r.toString());
        long failed = rows.stream().filter(l -> l.endsWith("FAILED (no_backend)")).count();
        assertEquals(2, failed, r.toString());
        assertTrue(r.err().contains("install backend-tensorflow into plugins/"), r.toString());
        assertTrue(r.err().contains("install backend-djl into plugins/"), r.toString());
        assertEquals(2, r.errorLines().size(), "one error line per failed model: " + r);
    }

    private static Optional<Path> mixedConfig() throws IOException {
        Path dir = CliRun.example("mixed");
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().matches(".*\\.(json|ya?ml)")).sorted().findFirst();
        }
    }
}
