package org.pot4j.backend.tensorflow;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.pot4j.testkit.FuzzInputs;

/**
 * Fuzzing of TensorFlow model reading (issue 12): a {@code saved_model.pb} (next to the LeNet
 * example's real variables) and a frozen GraphDef {@code .pb}, read as the backend reads them,
 * TensorFlow's own import included. Any input may only load or be rejected with a
 * {@code Pot4jException}: no other exception, no hang, no JVM crash in the native runtime.
 */
class TfSavedModelFuzzTest {
    private static final Path EXAMPLE = Path.of("..", "examples", "mnist-lenet");
    private static final int EXECUTIONS = FuzzInputs.executions(300);

    @FuzzTest(maxDuration = "2m")
    void savedModel(byte[] data) {
        FuzzInputs.rejectOnlyWithPot4jException(() -> readSavedModel(data));
    }

    @FuzzTest(maxDuration = "2m")
    void frozenGraph(byte[] data) {
        FuzzInputs.rejectOnlyWithPot4jException(() -> readFrozen(data));
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void boundedMutations() throws IOException {
        Path saved = EXAMPLE.resolve("lenet_savedmodel/saved_model.pb");
        Path frozen = EXAMPLE.resolve("lenet_frozen.pb");
        assumeTrue(Files.isRegularFile(saved) && Files.isRegularFile(frozen), "LeNet TensorFlow examples not there");
        int runs = FuzzInputs.run("tf-saved-model", List.of(Files.readAllBytes(saved)), EXECUTIONS, 31,
                TfSavedModelFuzzTest::readSavedModel);
        runs += FuzzInputs.run("tf-frozen-graph", List.of(Files.readAllBytes(frozen)), EXECUTIONS / 3, 32,
                TfSavedModelFuzzTest::readFrozen);
        System.out.println("TfSavedModelFuzzTest: " + runs + " inputs, no finding");
        assertTrue(runs >= EXECUTIONS);
    }

    /** {@code data} as the saved_model.pb of a copy of the LeNet SavedModel folder. */
    static void readSavedModel(byte[] data) {
        Path dir = savedModelDir();
        try {
            Files.write(dir.resolve("saved_model.pb"), data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        TfModelReader.read(dir, TfLoadOptions.defaults());
    }

    static void readFrozen(byte[] data) {
        try {
            Path f = Files.createTempFile("pot4j-fuzz", ".pb");
            f.toFile().deleteOnExit();
            Files.write(f, data);
            TfModelReader.read(f, TfLoadOptions.defaults());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path savedModel;

    /** One scratch copy of the example's variables/, reused by every input. */
    private static synchronized Path savedModelDir() {
        if (savedModel == null) {
            try {
                Path dir = Files.createTempDirectory("pot4j-fuzz-savedmodel");
                Path vars = Files.createDirectories(dir.resolve("variables"));
                for (String f : List.of("variables.index", "variables.data-00000-of-00001")) {
                    Files.copy(EXAMPLE.resolve("lenet_savedmodel/variables").resolve(f), vars.resolve(f),
                            StandardCopyOption.REPLACE_EXISTING);
                }
                savedModel = dir;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return savedModel;
    }
}
