package org.pot4j.backend.djl;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.testkit.FuzzInputs;

/**
 * Fuzzing of what the djl backend reads from a {@code .pt} file before libtorch sees it (issue 12):
 * the zip archive, the {@code data.pkl} pickle and the TorchScript code the flattener parses. Pure
 * Java, no native library. Any input may only be read or rejected with a {@code Pot4jException}
 * (the pickle reader's {@code IOException} is what the backend turns into {@code MODEL_CORRUPT}).
 */
class TorchScriptFuzzTest {
    private static final Path LENET = Path.of("..", "examples", "mnist-lenet", "lenet.pt");
    private static final String ROOT_CODE = "code/__torch__.py";
    private static final int EXECUTIONS = FuzzInputs.executions(1500);

    @FuzzTest(maxDuration = "2m")
    void pickle(byte[] data) {
        FuzzInputs.rejectOnlyWithPot4jException(() -> readPickle(data));
    }

    @FuzzTest(maxDuration = "2m")
    void code(byte[] data) {
        FuzzInputs.rejectOnlyWithPot4jException(() -> flattenCode(data));
    }

    @FuzzTest(maxDuration = "2m")
    void archive(byte[] data) {
        FuzzInputs.rejectOnlyWithPot4jException(() -> readArchive(data));
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void boundedMutations() throws IOException {
        assumeTrue(Files.isRegularFile(LENET), "LeNet example not there");
        TorchScriptArchive lenet = TorchScriptArchive.read(LENET);
        int runs = FuzzInputs.run("pickle", List.of(lenet.get("data.pkl"), lenet.get("constants.pkl")), EXECUTIONS, 11,
                TorchScriptFuzzTest::readPickle);
        List<byte[]> code = List.of(lenet.get(ROOT_CODE),
                lenet.get("code/__torch__/torch/nn/modules/conv.py"), lenet.get("code/__torch__/torch/nn/modules/linear.py"));
        runs += FuzzInputs.run("torchscript-code", code, EXECUTIONS, 12, TorchScriptFuzzTest::flattenCode);
        // whole archives are large: fewer of them
        runs += FuzzInputs.run("torchscript-archive", List.of(lenet.toZip()), Math.max(1, EXECUTIONS / 10), 13,
                TorchScriptFuzzTest::readArchive);
        System.out.println("TorchScriptFuzzTest: " + runs + " inputs, no finding");
        assertTrue(runs > 2 * EXECUTIONS);
    }

    /** The pickle reader: an IOException is its way to reject (the backend makes it MODEL_CORRUPT). */
    static void readPickle(byte[] data) {
        try {
            PickleReader.read(data);
        } catch (IOException e) {
            throw new Pot4jException(ErrorCode.MODEL_CORRUPT, "data.pkl: " + e.getMessage(), e);
        }
    }

    /** The LeNet archive with its root code replaced by {@code data}, flattened as loading does. */
    static void flattenCode(byte[] data) {
        TorchScriptArchive a = lenet().copy();
        a.putText(ROOT_CODE, new String(data, StandardCharsets.UTF_8));
        flatten(a, "fuzz.pt");
    }

    /** {@code data} as a .pt file, through the steps DjlBackend.load takes before libtorch. */
    static void readArchive(byte[] data) {
        Path f = write(data);
        if (!TorchScriptArchive.isZip(f)) {
            return;
        }
        flatten(TorchScriptArchive.read(f), f.getFileName().toString());
    }

    private static void flatten(TorchScriptArchive a, String name) {
        if (!a.has("data.pkl")) {
            throw new Pot4jException(ErrorCode.MODEL_UNSUPPORTED, "no data.pkl");
        }
        Object root;
        try {
            root = PickleReader.read(a.get("data.pkl"));
        } catch (IOException e) {
            throw new Pot4jException(ErrorCode.MODEL_CORRUPT, "data.pkl: " + e.getMessage(), e);
        }
        if (!(root instanceof Pickle.Obj module)) {
            throw new Pot4jException(ErrorCode.MODEL_UNSUPPORTED, "no module");
        }
        FlatProgram p = TsFlattener.flatten(a, module, name);
        DjlModelOptions.from(Path.of(name), DjlLoadOptions.defaults(), a);
        p.params.size();
    }

    private static TorchScriptArchive cached;

    private static synchronized TorchScriptArchive lenet() {
        if (cached == null) {
            cached = TorchScriptArchive.read(LENET);
        }
        return cached;
    }

    private static Path write(byte[] data) {
        try {
            Path f = Files.createTempFile("pot4j-fuzz", ".pt");
            f.toFile().deleteOnExit();
            Files.write(f, data);
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
