package org.pot4j.engine.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.engine.testing.QuietEngine;

class ConfigLoaderTest {
    @RegisterExtension
    static final QuietEngine ENGINE = new QuietEngine();

    @TempDir
    Path dir;

    private Path write(String name, String text) throws IOException {
        Path f = dir.resolve(name);
        Files.createDirectories(f.getParent());
        Files.writeString(f, text);
        return f;
    }

    private static final String FULL_JSON = """
            {
              "model": {"model_name": "lenet", "model": "models/lenet.onnx", "framework": "onnx", "options": {"signature": "x"}},
              "engine": {
                "calibration_dataset": {"type": "idx", "images": "data/cal-images.idx", "labels": "data/cal-labels.idx", "scale": 0.5},
                "validation_dataset": {"type": "csv", "path": "data/val.csv", "label_column": "y", "annotation": "fp32_output"},
                "metrics": [{"name": "test_top1"}, "test_error_rate", {"name": "test_top1", "params": {"invert": true}}],
                "batch_size": 8, "threads": 2, "benchmark": true
              },
              "compression": {"target_device": "cpu",
                "algorithms": [{"name": "TestWeightOnly", "params": {"bits": 6, "target_device": "ANY"}}]},
              "output": {"dir": "results"}
            }
            """;

    @Test
    void readsEverySectionOfAJsonConfigWithPathsRelativeToIt() throws IOException {
        Path file = write("cfg/job.json", FULL_JSON);
        Pot4jConfig c = ENGINE.pot4j().loadConfig(file);
        Path base = file.toAbsolutePath().getParent();
        assertEquals(base, c.baseDir());
        assertEquals(base.resolve("results"), c.outputDir());
        assertEquals(1, c.models().size());
        ModelJob job = c.models().get(0);
        assertEquals("lenet", job.model().modelName());
        assertEquals(base.resolve("models/lenet.onnx"), job.model().path());
        assertEquals("onnx", job.model().framework());
        assertEquals(Map.of("signature", "x"), job.model().options());
        DatasetSpec cal = job.engine().calibrationDataset();
        assertEquals("idx", cal.type());
        assertEquals("data/cal-images.idx", cal.params().get("images"), "dataset paths stay relative: providers resolve them");
        assertEquals(0.5, cal.params().get("scale"));
        assertNull(cal.annotation());
        assertEquals("fp32_output", job.engine().validationDataset().annotation());
        assertEquals(List.of("test_top1", "test_error_rate", "test_top1"),
                job.engine().metrics().stream().map(MetricSpec::name).toList());
        assertEquals(Map.of("invert", true), job.engine().metrics().get(2).params());
        assertEquals(8, job.engine().batchSize());
        assertEquals(2, job.engine().threads());
        assertTrue(job.engine().benchmark());
        assertEquals("CPU", job.compression().targetDevice());
        AlgorithmSpec a = job.compression().algorithms().get(0);
        assertEquals("TestWeightOnly", a.name());
        assertEquals(6, a.params().get("bits"));
        assertTrue(job.raw().containsKey("engine"));
    }

    @Test
    void yamlGivesTheSameConfigAsJson() throws IOException {
        Path json = write("a/job.json", FULL_JSON);
        Path yaml = write("a/job.yaml", """
                model:
                  model_name: lenet
                  model: models/lenet.onnx
                  framework: onnx
                  options: {signature: x}
                engine:
                  calibration_dataset: {type: idx, images: data/cal-images.idx, labels: data/cal-labels.idx, scale: 0.5}
                  validation_dataset:
                    type: csv
                    path: data/val.csv
                    label_column: y
                    annotation: fp32_output
                  metrics:
                    - name: test_top1
                    - test_error_rate
                    - {name: test_top1, params: {invert: true}}
                  batch_size: 8
                  threads: 2
                  benchmark: true
                compression:
                  target_device: cpu
                  algorithms:
                    - name: TestWeightOnly
                      params: {bits: 6, target_device: ANY}
                output: {dir: results}
                """);
        Pot4jConfig fromJson = ENGINE.pot4j().loadConfig(json);
        Pot4jConfig fromYaml = ENGINE.pot4j().loadConfig(yaml);
        assertEquals(fromJson.models(), fromYaml.models());
        assertEquals(fromJson.outputDir(), fromYaml.outputDir());
    }

    @Test
    void misspeltKeyNamesFilePathValidKeysAndSuggestion() throws IOException {
        Path file = write("typo.json", """
                {"model": {"model": "m.onnx"},
                 "engine": {"calibration_dataset": {"type": "idx", "images": "x"}, "batch_sise": 4}}
                """);
        Pot4jException e = assertThrows(Pot4jException.class, () -> ENGINE.pot4j().loadConfig(file));
        assertEquals(ErrorCode.CONFIG_UNKNOWN_KEY, e.code());
        String m = e.getMessage();
        assertTrue(m.startsWith(file.toString()), m);
        assertTrue(m.contains("engine.batch_sise"), m);
        assertTrue(m.contains("did you mean 'batch_size'"), m);
        assertTrue(m.contains("calibration_dataset") && m.contains("validation_dataset") && m.contains("threads"), m);
    }

    @Test
    void unknownKeysAreFoundAtEveryLevel() throws IOException {
        String base = "{\"model\": {\"model\": \"m.onnx\"}, \"engine\": {\"calibration_dataset\": %s}, %s}";
        expectUnknown(base.formatted("{\"type\": \"idx\", \"images\": \"x\"}", "\"compresion\": {}"), "compresion", "compression");
        expectUnknown(base.formatted("{\"type\": \"idx\", \"imgaes\": \"x\"}", "\"output\": {}"),
                "engine.calibration_dataset.imgaes", "images");
        expectUnknown(base.formatted("{\"type\": \"idx\", \"images\": \"x\"}",
                "\"compression\": {\"algorithms\": [{\"name\": \"TestWeightOnly\", \"params\": {\"bitz\": 4}}]}"),
                "compression.algorithms[0].params.bitz", "bits");
        expectUnknown(base.formatted("{\"type\": \"idx\", \"images\": \"x\", \"metrics\": []}", "\"output\": {}"),
                "engine.calibration_dataset.metrics", null);
        expectUnknown("{\"model\": {\"model\": \"m\", \"modelname\": \"x\"}, \"engine\": {\"calibration_dataset\": {\"type\": \"idx\", \"images\": \"x\"}}}",
                "model.modelname", "model_name");
        expectUnknown("{\"model\": {\"model\": \"m\"}, \"engine\": {\"calibration_dataset\": {\"type\": \"idx\", \"images\": \"x\"},"
                + " \"metrics\": [{\"name\": \"test_top1\", \"params\": {\"invertt\": true}}]}}",
                "engine.metrics[0].params.invertt", "invert");
        expectUnknown("{\"model\": {\"model\": \"m\"}, \"engine\": {\"calibration_dataset\": {\"type\": \"idx\", \"images\": \"x\"}},"
                + " \"output\": {\"directory\": \"x\"}}", "output.directory", null);
    }

    private void expectUnknown(String json, String path, String suggestion) throws IOException {
        Path file = write("unknown.json", json);
        Pot4jException e = assertThrows(Pot4jException.class, () -> ENGINE.pot4j().loadConfig(file), json);
        assertEquals(ErrorCode.CONFIG_UNKNOWN_KEY, e.code(), e.getMessage());
        assertTrue(e.getMessage().contains(" at " + path), e.getMessage());
        if (suggestion != null) {
            assertTrue(e.getMessage().contains("did you mean '" + suggestion + "'"), e.getMessage());
        }
    }

    @Test
    void wrongTypesNameTheKeyAndTheExpectedType() throws IOException {
        String base = "{\"model\": {\"model\": \"m.onnx\"%s}, \"engine\": {\"calibration_dataset\": {\"type\": \"idx\", \"images\": \"x\"}%s}%s}";
        expectInvalid(base.formatted("", ", \"batch_size\": \"eight\"", ""), "engine.batch_size", "whole number");
        expectInvalid(base.formatted("", ", \"batch_size\": 0", ""), "engine.batch_size", "at least 1, got 0");
        expectInvalid(base.formatted("", ", \"benchmark\": \"yes\"", ""), "engine.benchmark", "true or false");
        expectInvalid(base.formatted(", \"framework\": 3", "", ""), "model.framework", "must be a string");
        expectInvalid(base.formatted("", ", \"metrics\": {\"name\": \"x\"}", ""), "engine.metrics", "must be a list");
        expectInvalid(base.formatted("", "", ", \"compression\": {\"algorithms\": []}"), "compression.algorithms", "non-empty list");
        expectInvalid(base.formatted("", "", ", \"compression\": {\"target_device\": \"GPU\"}"), "compression.target_device",
                "must be one of [ANY, CPU]");
        expectInvalid(base.formatted("", "", ", \"compression\": {\"algorithms\": [{\"name\": \"TestWeightOnly\", \"params\": [1]}]}"),
                "compression.algorithms[0].params", "must be an object");
        expectInvalid("{\"model\": {\"model\": \"m\"}}", "engine.calibration_dataset", "is required");
        expectInvalid("{\"engine\": {\"calibration_dataset\": {\"type\": \"idx\", \"images\": \"x\"}}}", "model", "is required");
        expectInvalid("{\"model\": {\"model\": \"m\"}, \"engine\": {\"calibration_dataset\": {\"type\": \"ixd\"}}}",
                "engine.calibration_dataset.type", "did you mean");
        expectInvalid("{\"model\": {\"model\": \"m\"}, \"engine\": {\"calibration_dataset\": {\"type\": \"idx\", \"images\": \"x\", \"annotation\": \"labels\"}}}",
                "engine.calibration_dataset.annotation", "fp32_output");
        expectInvalid("[1, 2]", "the top level", "must be an object");
        expectInvalid("{\"model\": {\"model\": \"m\"}, \"model\": {\"model\": \"n\"}}", "", "Duplicate field 'model'");
        expectInvalid("{\"model\": ", "", "not valid JSON at line");
    }

    @Test
    void speedGuardIsABooleanOrAnObjectAndUnsetByDefault() throws IOException {
        String base = "{\"model\": {\"model\": \"m.onnx\"}, \"engine\": {\"calibration_dataset\": {\"type\": \"idx\", \"images\": \"x\"}%s}}";
        assertNull(ENGINE.pot4j().loadConfig(write("a.json", base.formatted(""))).models().get(0).engine().speedGuard());
        SpeedGuardSpec off = ENGINE.pot4j().loadConfig(write("b.json", base.formatted(", \"speed_guard\": false"))).models().get(0)
                .engine().speedGuard();
        assertFalse(off.enabled());
        SpeedGuardSpec custom = ENGINE.pot4j().loadConfig(write("c.json", base.formatted(
                ", \"batch_size\": 8, \"speed_guard\": {\"batch_sizes\": [1, 8], \"rounds\": 5}"))).models().get(0)
                .engine().speedGuard();
        assertTrue(custom.enabled());
        assertEquals(List.of(1, 8), custom.batchSizes());
        assertEquals(5, custom.rounds());
        assertEquals(SpeedGuardSpec.DEFAULT_MAX_MEASUREMENTS, custom.maxMeasurements());
        assertEquals(List.of(1, 16), SpeedGuardSpec.of(true).batchSizesOr(16), "default: batch 1 and the evaluation batch");
        assertEquals(List.of(1), SpeedGuardSpec.of(true).batchSizesOr(null));
        expectInvalid(base.formatted(", \"speed_guard\": {\"batch_sizes\": []}"), "engine.speed_guard.batch_sizes", "non-empty list");
        expectInvalid(base.formatted(", \"speed_guard\": {\"batch_sizes\": [0]}"), "engine.speed_guard.batch_sizes[0]", "positive integer");
        expectInvalid(base.formatted(", \"speed_guard\": \"on\""), "engine.speed_guard", "true or false");
        Pot4jException unknown = assertThrows(Pot4jException.class, () -> ENGINE.pot4j().loadConfig(write("d.json",
                base.formatted(", \"speed_guard\": {\"round\": 3}")))); 
        assertTrue(unknown.getMessage().contains("rounds"), unknown.getMessage());
    }

    private void expectInvalid(String json, String path, String problem) throws IOException {
        Path file = write("invalid.json", json);
        Pot4jException e = assertThrows(Pot4jException.class, () -> ENGINE.pot4j().loadConfig(file), json);
        assertEquals(ErrorCode.CONFIG_INVALID, e.code(), e.getMessage());
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(path), e.getMessage());
        assertTrue(e.getMessage().contains(problem), e.getMessage());
    }

    @Test
    void unknownAlgorithmAndMetricNamesListTheInstalledOnes() throws IOException {
        Path algo = write("algo.json", "{\"model\": {\"model\": \"m\"}, \"engine\": {\"calibration_dataset\": {\"type\": \"idx\", \"images\": \"x\"}},"
                + " \"compression\": {\"algorithms\": [{\"name\": \"TestWeightOlny\"}]}}");
        Pot4jException a = assertThrows(Pot4jException.class, () -> ENGINE.pot4j().loadConfig(algo));
        assertEquals(ErrorCode.UNKNOWN_ALGORITHM, a.code());
        assertTrue(a.getMessage().contains("compression.algorithms[0].name"), a.getMessage());
        assertTrue(a.getMessage().contains("did you mean 'TestWeightOnly'"), a.getMessage());
        Path metric = write("metric.json", "{\"model\": {\"model\": \"m\"}, \"engine\": {\"calibration_dataset\": {\"type\": \"idx\", \"images\": \"x\"},"
                + " \"metrics\": [\"acuracy_top1\"]}}");
        Pot4jException m = assertThrows(Pot4jException.class, () -> ENGINE.pot4j().loadConfig(metric));
        assertEquals(ErrorCode.UNKNOWN_METRIC, m.code());
        assertTrue(m.getMessage().contains("engine.metrics[0]") && m.getMessage().contains("test_top1"), m.getMessage());
    }

    @Test
    void modelsListInheritsAndOverridesTopLevelSections() throws IOException {
        Path file = write("multi/mixed.yaml", """
                engine:
                  calibration_dataset: {type: idx, images: cal.idx}
                  metrics: [test_top1]
                  batch_size: 4
                compression:
                  target_device: CPU
                  algorithms: [{name: TestWeightOnly}]
                models:
                  - model: {model: a.onnx}
                  - model: {model_name: bee, model: ../b/saved_model.pb, framework: tensorflow}
                    engine:
                      validation_dataset: {type: csv, path: val.csv}
                      metrics: [test_error_rate]
                    compression:
                      algorithms: [{name: TestWeightOnly, params: {bits: 4}}]
                  - model: {model: /abs/c.pt}
                """);
        Pot4jConfig c = ENGINE.pot4j().loadConfig(file);
        Path base = file.toAbsolutePath().getParent();
        assertEquals(3, c.models().size());
        ModelJob a = c.models().get(0);
        ModelJob b = c.models().get(1);
        ModelJob cc = c.models().get(2);
        assertEquals("a", a.model().modelName());
        assertEquals(base.resolve("a.onnx"), a.model().path());
        assertEquals("bee", b.model().modelName());
        assertEquals(base.resolve("../b/saved_model.pb").normalize(), b.model().path());
        assertEquals(Path.of("/abs/c.pt"), cc.model().path(), "absolute paths stay as they are");
        assertEquals("c", cc.model().modelName());
        assertEquals(List.of("test_top1"), a.engine().metrics().stream().map(MetricSpec::name).toList());
        assertEquals(List.of("test_error_rate"), b.engine().metrics().stream().map(MetricSpec::name).toList());
        assertEquals(4, b.engine().batchSize(), "keys an entry does not override come from the defaults");
        assertEquals("cal.idx", b.engine().calibrationDataset().params().get("images"));
        assertNull(a.engine().validationDataset());
        assertEquals("csv", b.engine().validationOrCalibration().type());
        assertEquals("idx", a.engine().validationOrCalibration().type());
        assertEquals(Map.of(), a.compression().algorithms().get(0).params());
        assertEquals(Map.of("bits", 4), b.compression().algorithms().get(0).params());
        assertEquals("CPU", b.compression().targetDevice());
        assertEquals(base.resolve("out"), c.outputDirOrDefault());
    }

    @Test
    void modelsListChecksEntriesAndNames() throws IOException {
        Path dup = write("dup.json", "{\"engine\": {\"calibration_dataset\": {\"type\": \"idx\", \"images\": \"x\"}},"
                + " \"models\": [{\"model\": {\"model\": \"x/m.onnx\"}}, {\"model\": {\"model\": \"y/m.pt\"}}]}");
        Pot4jException e = assertThrows(Pot4jException.class, () -> ENGINE.pot4j().loadConfig(dup));
        assertEquals(ErrorCode.CONFIG_INVALID, e.code());
        assertTrue(e.getMessage().contains("models[1].model.model_name") && e.getMessage().contains("'m'"), e.getMessage());

        Path entryKey = write("entry.json", "{\"engine\": {\"calibration_dataset\": {\"type\": \"idx\", \"images\": \"x\"}},"
                + " \"models\": [{\"model\": {\"model\": \"m.onnx\"}, \"engnie\": {}}]}");
        Pot4jException k = assertThrows(Pot4jException.class, () -> ENGINE.pot4j().loadConfig(entryKey));
        assertEquals(ErrorCode.CONFIG_UNKNOWN_KEY, k.code());
        assertTrue(k.getMessage().contains("models[0].engnie") && k.getMessage().contains("did you mean 'engine'"), k.getMessage());

        Path both = write("both.json", "{\"model\": {\"model\": \"a\"}, \"models\": [{\"model\": {\"model\": \"b\"}}]}");
        assertEquals(ErrorCode.CONFIG_INVALID, assertThrows(Pot4jException.class, () -> ENGINE.pot4j().loadConfig(both)).code());

        Path entryType = write("entrytype.json", "{\"engine\": {\"calibration_dataset\": {\"type\": \"idx\", \"images\": \"x\"}},"
                + " \"models\": [{\"model\": {\"model\": \"m.onnx\"}, \"engine\": {\"threads\": -1}}]}");
        Pot4jException t = assertThrows(Pot4jException.class, () -> ENGINE.pot4j().loadConfig(entryType));
        assertTrue(t.getMessage().contains("models[0].engine.threads"), t.getMessage());
    }

    @Test
    void defaultsWhenSectionsAreLeftOut() throws IOException {
        Path file = write("min.json", "{\"model\": {\"model\": \"net/saved_model.pb\"},"
                + " \"engine\": {\"calibration_dataset\": {\"type\": \"npy\", \"path\": \"d\"}}}");
        Pot4jConfig c = ENGINE.pot4j().loadConfig(file);
        ModelJob job = c.models().get(0);
        assertEquals("net", job.model().modelName(), "a SavedModel is named after its folder");
        assertNull(job.model().framework());
        assertEquals("ANY", job.compression().targetDevice());
        assertEquals(List.of(new AlgorithmSpec("DefaultQuantization", Map.of())), job.compression().algorithms());
        assertNull(job.engine().batchSize());
        assertFalse(job.engine().benchmark());
        assertNull(c.outputDir());
    }

    @Test
    void missingFileIsFileNotFound() {
        Pot4jException e = assertThrows(Pot4jException.class, () -> ENGINE.pot4j().loadConfig(dir.resolve("none.json")));
        assertEquals(ErrorCode.FILE_NOT_FOUND, e.code());
    }

    @Test
    void structureOnlyLoaderAcceptsPluginNamesItCannotCheck() throws IOException {
        Path file = write("free.json", "{\"model\": {\"model\": \"m\"}, \"engine\": {\"calibration_dataset\": {\"type\": \"parquet\","
                + " \"anything\": 1}, \"metrics\": [\"mAP\"]}, \"compression\": {\"algorithms\": [{\"name\": \"Custom\", \"params\": {\"x\": 1}}]}}");
        Pot4jConfig c = new ConfigLoader().load(file);
        assertEquals("parquet", c.models().get(0).engine().calibrationDataset().type());
        assertEquals(1, c.models().get(0).engine().calibrationDataset().params().get("anything"));
    }
}
