package org.pot4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.ProgressListener;
import org.pot4j.backend.djl.DjlLoadOptions;
import org.pot4j.backend.onnx.OnnxLoadOptions;
import org.pot4j.backend.tensorflow.TfLoadOptions;
import org.pot4j.engine.Pot4j;

/**
 * Each bundled backend's load options are bound by the engine's one binder to the record its provider
 * declares, when a config loads: a bad {@code model.options} key or value fails with the key's path,
 * "did you mean" and the valid keys before any model is loaded (the model files here do not exist) and
 * without starting a runtime. Runs in the cross-backend execution, where every backend is on the class path.
 */
class CrossBackendLoadOptionsTest {
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

    private Pot4jException configFails(ErrorCode code, String model, String options, String... expected) throws IOException {
        Path f = dir.resolve("bad.json");
        Files.writeString(f, """
                {"model": {"model": "%s", "options": {%s}},
                 "engine": {"calibration_dataset": {"type": "csv", "path": "d.csv"}, "threads": 2}}
                """.formatted(model, options));
        Pot4jException e = assertThrows(Pot4jException.class, () -> pot4j.loadConfig(f));
        assertEquals(code, e.code(), e.getMessage());
        assertTrue(e.getMessage().startsWith(f.toString()), "names the file: " + e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        for (String s : expected) {
            assertTrue(e.getMessage().contains(s), "'" + s + "' in: " + e.getMessage());
        }
        return e;
    }

    private Pot4jException bindFails(ErrorCode code, String backend, Map<String, Object> options, String... expected) {
        Pot4jException e = assertThrows(Pot4jException.class, () -> pot4j.bindLoadOptions(backend, options, "model.options"));
        assertEquals(code, e.code(), e.getMessage());
        for (String s : expected) {
            assertTrue(e.getMessage().contains(s), "'" + s + "' in: " + e.getMessage());
        }
        return e;
    }

    @Test
    void aBadOnnxOptionFailsWhenTheConfigLoads() throws IOException {
        // no framework: the backend is the one whose declared file kinds match the (missing) file
        configFails(ErrorCode.CONFIG_UNKNOWN_KEY, "missing.onnx", "\"intra_op_thread\": 2", "model.options.intra_op_thread",
                "did you mean 'intra_op_threads'", "optimization_level", "backend 'onnx'");
        configFails(ErrorCode.CONFIG_INVALID, "missing.onnx", "\"optimization_level\": \"max\"", "optimization_level 'max'",
                "[all, extended, basic, disabled]");
        configFails(ErrorCode.CONFIG_INVALID, "missing.onnx", "\"intra_op_threads\": 0", "model.options.intra_op_threads",
                "in [1, 1024], got 0");
    }

    @Test
    void aBadTensorflowOrDjlOptionFailsWhenTheConfigLoads() throws IOException {
        configFails(ErrorCode.CONFIG_UNKNOWN_KEY, "missing.pb", "\"signatur\": \"x\"", "model.options.signatur",
                "did you mean 'signature'");
        configFails(ErrorCode.CONFIG_INVALID, "missing.pb", "\"output\": \"qdq\"", "fake_quant");
        configFails(ErrorCode.CONFIG_UNKNOWN_KEY, "missing.pt", "\"input_shape\": [[-1, 4]]", "model.options.input_shape",
                "did you mean 'input_shapes'");
        configFails(ErrorCode.CONFIG_INVALID, "missing.pt", "\"threads\": 0", "model.options.threads", "at least 1");
    }

    @Test
    void everyAcceptedKeyBindsWithItsMeaning() {
        OnnxLoadOptions onnx = (OnnxLoadOptions) pot4j.bindLoadOptions("onnx", Map.of("threads", "3",
                "optimization_level", "DISABLED", "optimized_model_path", "o.onnx"), "model.options");
        assertEquals(new OnnxLoadOptions(null, 3, "DISABLED", "o.onnx"), onnx, "-o threads=3 arrives as a string");
        assertEquals(OnnxLoadOptions.defaults(), pot4j.bindLoadOptions("onnx", Map.of(), "model.options"));

        TfLoadOptions tf = (TfLoadOptions) pot4j.bindLoadOptions("tensorflow", Map.of("signature", "serve2",
                "tags", "serve, gpu", "inputs", List.of("x"), "outputs", "logits", "output", "fake_quant",
                "threads", 2, "intra_op_threads", 3, "inter_op_threads", 4), "model.options");
        assertEquals(new TfLoadOptions("serve2", List.of("serve", "gpu"), List.of("x"), List.of("logits"), "fake_quant", 2, 3, 4),
                tf);
        assertEquals(TfLoadOptions.defaults(), pot4j.bindLoadOptions("tensorflow", null, "model.options"));
        bindFails(ErrorCode.CONFIG_INVALID, "tensorflow", Map.of("tags", List.of(1)), "model.options.tags");
        bindFails(ErrorCode.CONFIG_INVALID, "tensorflow", Map.of("threads", -1), "model.options.threads", "at least 0");

        DjlLoadOptions djl = (DjlLoadOptions) pot4j.bindLoadOptions("djl", Map.of("input_names", List.of("input"),
                "input_shapes", Map.of("input", List.of(-1, 1, 28, 28)), "input_types", Map.of("input", "float32"),
                "output_names", List.of("logits"), "output", "fake_quant", "intra_op_threads", 1, "threads", "2"),
                "model.options");
        assertEquals(new DjlLoadOptions(List.of("input"), Map.of("input", List.of(-1, 1, 28, 28)), Map.of("input", "float32"),
                List.of("logits"), "fake_quant", 1, 2), djl);
        bindFails(ErrorCode.CONFIG_INVALID, "djl", Map.of("input_shapes", "1x28x28"), "input_shapes", "list of shapes");
        bindFails(ErrorCode.NO_BACKEND, "onnxx", Map.of(), "did you mean 'onnx'");
    }
}
