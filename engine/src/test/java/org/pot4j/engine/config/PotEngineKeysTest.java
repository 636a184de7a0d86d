package org.pot4j.engine.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.engine.testing.QuietEngine;

/** POT's own engine/model keys are accepted with POT's meaning, and the executor is checked when the config loads. */
class PotEngineKeysTest {
    @RegisterExtension
    static final QuietEngine ENGINE = new QuietEngine();

    @TempDir
    Path dir;

    private Pot4jConfig load(String model, String engineExtra) throws IOException {
        Path f = dir.resolve("c.json");
        Files.writeString(f, """
                {"model": {%s},
                 "engine": {"calibration_dataset": {"type": "csv", "path": "d.csv"}%s}}
                """.formatted(model, engineExtra));
        return ENGINE.pot4j().loadConfig(f);
    }

    private Pot4jException fails(String model, String engineExtra) {
        return assertThrows(Pot4jException.class, () -> load(model, engineExtra));
    }

    @Test
    void requestNumbersDeviceAndExecutorAreRead() throws IOException {
        Pot4jConfig c = load("\"model\": \"m.onnx\"", ", \"device\": \"cpu\", \"stat_requests_number\": 2,"
                + " \"eval_requests_number\": 3, \"executor\": {\"type\": \"local\"}");
        assertEquals(2, c.models().get(0).engine().statRequests());
        assertEquals(3, c.models().get(0).engine().evalRequests());
        assertEquals(Map.of("type", "local"), c.models().get(0).engine().executor());
        Pot4jConfig plain = load("\"model\": \"m.onnx\"", "");
        assertNull(plain.models().get(0).engine().statRequests());
        assertTrue(plain.models().get(0).engine().executor().isEmpty());
    }

    @Test
    void otherDevicesAndBadRequestNumbersFailClearly() {
        Pot4jException gpu = fails("\"model\": \"m.onnx\"", ", \"device\": \"GPU\"");
        assertEquals(ErrorCode.CONFIG_INVALID, gpu.code());
        assertTrue(gpu.getMessage().contains("engine.device") && gpu.getMessage().contains("CPU"), gpu.getMessage());
        Pot4jException zero = fails("\"model\": \"m.onnx\"", ", \"eval_requests_number\": 0");
        assertTrue(zero.getMessage().contains("eval_requests_number"), zero.getMessage());
    }

    @Test
    void anUnknownExecutorSaysWhatIsInstalled() {
        Pot4jException e = fails("\"model\": \"m.onnx\"", ", \"executor\": {\"type\": \"lokal\"}");
        assertTrue(e.getMessage().contains("local") && e.getMessage().contains("lokal"), e.getMessage());
        Pot4jException spark = fails("\"model\": \"m.onnx\"", ", \"executor\": {\"type\": \"spark\"}");
        assertTrue(spark.getMessage().contains("plugins/spark"), spark.getMessage());
        Pot4jException key = fails("\"model\": \"m.onnx\"", ", \"executor\": {\"type\": \"local\", \"master\": \"x\"}");
        assertEquals(ErrorCode.CONFIG_UNKNOWN_KEY, key.code(), key.getMessage());
    }

    @Test
    void modelWeightsIsTheExternalDataFileAndAnOpenVinoIrIsRefused() throws IOException {
        Files.writeString(dir.resolve("m.onnx.data"), "x");
        Pot4jConfig c = load("\"model\": \"m.onnx\", \"weights\": \"m.onnx.data\"", "");
        assertEquals(dir.resolve("m.onnx.data").toAbsolutePath().normalize(), c.models().get(0).model().weights().toAbsolutePath());
        Files.writeString(dir.resolve("m.bin"), "x");
        Pot4jException ir = fails("\"model\": \"m.xml\", \"weights\": \"m.bin\"", "");
        assertEquals(ErrorCode.CONFIG_INVALID, ir.code());
        assertTrue(ir.getMessage().contains("IR") && ir.getMessage().contains("not supported"), ir.getMessage());
        Pot4jException missing = fails("\"model\": \"m.onnx\", \"weights\": \"nope.data\"", "");
        assertTrue(missing.getMessage().contains("nope.data"), missing.getMessage());
        Files.createDirectories(dir.resolve("elsewhere"));
        Files.writeString(dir.resolve("elsewhere/w.data"), "x");
        Pot4jException away = fails("\"model\": \"m.onnx\", \"weights\": \"elsewhere/w.data\"", "");
        assertTrue(away.getMessage().contains("model's folder"), away.getMessage());
    }
}
