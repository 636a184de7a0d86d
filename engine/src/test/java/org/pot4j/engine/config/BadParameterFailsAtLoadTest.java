package org.pot4j.engine.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.engine.testing.QuietEngine;

/**
 * A wrong key or value in any parameter section (metric, dataset, executor, algorithm, also inside a
 * {@code models[]} entry) fails when the config loads, through the one binder, with one line naming
 * the file, the key's path, a "did you mean" and the valid keys. The model file does not exist: a
 * check made later, when the model is loaded, would fail with FILE_NOT_FOUND instead.
 */
class BadParameterFailsAtLoadTest {
    @RegisterExtension
    static final QuietEngine ENGINE = new QuietEngine();

    @TempDir
    Path dir;

    private Pot4jException fails(ErrorCode code, String engine, String compression, String... expected) throws IOException {
        Path f = dir.resolve("bad.json");
        Files.writeString(f, """
                {"model": {"model": "missing.onnx"},
                 "engine": {"calibration_dataset": {"type": "csv", "path": "d.csv"}%s},
                 "compression": {"algorithms": [{"name": "DefaultQuantization", "params": {%s}}]}}
                """.formatted(engine, compression));
        Pot4jException e = assertThrows(Pot4jException.class, () -> ENGINE.pot4j().loadConfig(f));
        assertEquals(code, e.code(), e.getMessage());
        assertTrue(e.getMessage().startsWith(f.toString()), "names the file: " + e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        for (String s : expected) {
            assertTrue(e.getMessage().contains(s), "'" + s + "' in: " + e.getMessage());
        }
        assertFalse(Files.exists(dir.resolve("out")), "nothing written");
        return e;
    }

    @Test
    void metricSection() throws IOException {
        fails(ErrorCode.CONFIG_UNKNOWN_KEY, ", \"metrics\": [{\"name\": \"test_top1\", \"params\": {\"invrt\": true}}]", "",
                "engine.metrics[0].params.invrt", "did you mean 'invert'", "valid keys: [invert]");
        fails(ErrorCode.CONFIG_INVALID, ", \"metrics\": [{\"name\": \"test_top1\", \"params\": {\"invert\": 3}}]", "",
                "engine.metrics[0].params.invert", "true or false");
    }

    @Test
    void datasetSections() throws IOException {
        fails(ErrorCode.CONFIG_UNKNOWN_KEY, ", \"validation_dataset\": {\"type\": \"csv\", \"path\": \"d.csv\", \"has_headr\": false}",
                "", "engine.validation_dataset.has_headr", "did you mean 'has_header'", "delimiter");
        fails(ErrorCode.CONFIG_INVALID, ", \"validation_dataset\": {\"type\": \"idx\", \"images\": \"i.idx\", \"scale\": \"big\"}",
                "", "engine.validation_dataset.scale", "must be a number");
        fails(ErrorCode.CONFIG_INVALID, ", \"validation_dataset\": {\"type\": \"npy\"}", "",
                "engine.validation_dataset.path", "is required");
    }

    @Test
    void executorSection() throws IOException {
        fails(ErrorCode.CONFIG_UNKNOWN_KEY, ", \"executor\": {\"type\": \"local\", \"master\": \"local[2]\"}", "",
                "engine.executor.master", "evaluation executor 'local'");
    }

    @Test
    void algorithmSectionAtEveryDepth() throws IOException {
        fails(ErrorCode.CONFIG_UNKNOWN_KEY, "", "\"stat_subset_sise\": 10", "compression.algorithms[0].params.stat_subset_sise",
                "did you mean 'stat_subset_size'");
        fails(ErrorCode.CONFIG_UNKNOWN_KEY, "", "\"activations\": {\"bitz\": 8}", "params.activations.bitz",
                "did you mean 'bits'");
        fails(ErrorCode.CONFIG_INVALID, "", "\"weights\": {\"bits\": 1}", "params.weights.bits", "in [2, 16], got 1");
        fails(ErrorCode.CONFIG_INVALID, "", "\"stat_subset_size\": 2.5", "params.stat_subset_size", "whole number");
        fails(ErrorCode.CONFIG_UNKNOWN_KEY, "", "\"ignored\": {\"operations\": [{\"typ\": \"Softmax\"}]}",
                "params.ignored.operations[0].typ", "did you mean 'type'");
    }

    @Test
    void backendOptionsSection() throws IOException {
        // the textmlp test backend declares Options(threads); its runtime is not asked, the model file does not exist
        Path f = dir.resolve("backend.json");
        for (String[] c : new String[][] {
                {"\"thread\": 2", "CONFIG_UNKNOWN_KEY", "model.options.thread", "did you mean 'threads'", "valid keys: [threads]"},
                {"\"threads\": 0", "CONFIG_INVALID", "model.options.threads", "at least 1, got 0"},
                {"\"threads\": \"many\"", "CONFIG_INVALID", "model.options.threads", "whole number"}}) {
            Files.writeString(f, """
                    {"model": {"model": "missing.tmlp", "framework": "textmlp", "options": {%s}},
                     "engine": {"calibration_dataset": {"type": "csv", "path": "d.csv"}}}
                    """.formatted(c[0]));
            Pot4jException e = assertThrows(Pot4jException.class, () -> ENGINE.pot4j().loadConfig(f));
            assertEquals(ErrorCode.valueOf(c[1]), e.code(), e.getMessage());
            assertTrue(e.getMessage().startsWith(f.toString()) && e.getMessage().contains("backend 'textmlp'"), e.getMessage());
            for (int i = 2; i < c.length; i++) {
                assertTrue(e.getMessage().contains(c[i]), "'" + c[i] + "' in: " + e.getMessage());
            }
        }
        // engine.threads reaches a backend only as a key its record takes; a backend that is not installed is left to its job
        Files.writeString(f, """
                {"model": {"model": "missing.onnx", "framework": "nothere", "options": {"any": 1}},
                 "engine": {"calibration_dataset": {"type": "csv", "path": "d.csv"}, "threads": 2}}
                """);
        assertEquals(1, ENGINE.pot4j().loadConfig(f).models().size());
    }

    @Test
    void aModelsEntryNamesItsOwnPath() throws IOException {
        Path f = dir.resolve("multi.json");
        Files.writeString(f, """
                {"engine": {"calibration_dataset": {"type": "csv", "path": "d.csv"}},
                 "models": [{"model": {"model": "a.onnx"}},
                            {"model": {"model": "b.onnx"},
                             "engine": {"calibration_dataset": {"type": "csv", "path": "d.csv", "delimiter": ";;"}}}]}
                """);
        Pot4jException e = assertThrows(Pot4jException.class, () -> ENGINE.pot4j().loadConfig(f));
        assertEquals(ErrorCode.CONFIG_INVALID, e.code());
        assertTrue(e.getMessage().contains("models[1].engine.calibration_dataset") && e.getMessage().contains("delimiter"),
                e.getMessage());
    }
}
