package org.pot4j.backend.onnx;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.ModelBackend;
import org.pot4j.testkit.FuzzInputs;

/**
 * Fuzzing of ONNX model reading (issue 12): protobuf parsing, structure checks and graph
 * normalization in Java ({@code model}), and the whole load including ONNX Runtime's own parse of
 * the model ({@code load}). Any input may only load or be rejected with a {@code Pot4jException}: no
 * other exception, no hang, no JVM crash in the native runtime.
 */
class OnnxModelFuzzTest {
    private static final int EXECUTIONS = FuzzInputs.executions(1500);
    private static ModelBackend<OnnxLoadOptions> backend;

    @FuzzTest(maxDuration = "2m")
    void model(byte[] data) {
        FuzzInputs.rejectOnlyWithPot4jException(() -> read(data));
    }

    @FuzzTest(maxDuration = "2m")
    void load(byte[] data) {
        FuzzInputs.rejectOnlyWithPot4jException(() -> loadWithRuntime(data));
    }

    @AfterAll
    static void close() {
        if (backend != null) {
            backend.close();
        }
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void boundedMutations() {
        List<byte[]> seeds = List.of(OnnxTestModels.residualCnn(13, 4).toByteArray(), OnnxTestModels.matMulNet().toByteArray(),
                OnnxTestModels.convBatchNorm().toByteArray(), OnnxTestModels.nothingToQuantize().toByteArray());
        int runs = FuzzInputs.run("onnx-model", seeds, EXECUTIONS, 21, OnnxModelFuzzTest::read);
        // each load starts an ONNX Runtime session: fewer of them
        runs += FuzzInputs.run("onnx-load", seeds, Math.max(seeds.size(), EXECUTIONS / 5), 22, OnnxModelFuzzTest::loadWithRuntime);
        System.out.println("OnnxModelFuzzTest: " + runs + " inputs, no finding");
        assertTrue(runs > EXECUTIONS);
    }

    /** Parse, check, pull in external data, normalize: the Java half of loading. */
    static void read(byte[] data) {
        OnnxModelReader.Loaded loaded = OnnxModelReader.read(write(data));
        OnnxGraphNormalizer.normalize(loaded.model());
    }

    /** The backend's whole load, ONNX Runtime included, then the graph view. */
    static void loadWithRuntime(byte[] data) {
        try (Model m = backend().load(write(data))) {
            m.quantizableNodes().size();
            m.inputs().size();
        }
    }

    private static synchronized ModelBackend<OnnxLoadOptions> backend() {
        if (backend == null) {
            backend = new OnnxBackendProvider().create(null);
        }
        return backend;
    }

    private static Path write(byte[] data) {
        try {
            Path f = Files.createTempFile("pot4j-fuzz", ".onnx");
            f.toFile().deleteOnExit();
            Files.write(f, data);
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
