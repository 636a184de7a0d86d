package org.pot4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.engine.Pot4j;

/** {@code engine.executor} for Spark is checked when the config loads, before any Spark context starts. */
class SparkExecutorConfigTest {
    @Test
    void sparkIsAnInstalledExecutorType() {
        try (Pot4j pot4j = Pot4j.create()) {
            assertTrue(pot4j.executorTypes().contains("spark"), pot4j.executorTypes().toString());
        }
    }

    @Test
    void badValuesFailWhenTheConfigLoads(@TempDir Path tmp) throws Exception {
        assertBad(tmp, Map.of("type", "spark", "tasks_per_core", 0), "engine.executor.tasks_per_core");
        assertBad(tmp, Map.of("type", "spark", "master", 7), "engine.executor.master");
        assertBad(tmp, Map.of("type", "spark", "conf", "spark.executor.memory=4g"), "engine.executor.conf");
        assertBad(tmp, Map.of("type", "spark", "plugin_dirs", 3), "engine.executor.plugin_dirs");
        Pot4jException unknown = assertBad(tmp, Map.of("type", "spark", "masterr", "local[2]"), "masterr");
        assertTrue(unknown.getMessage().contains("master"), unknown.getMessage());
    }

    private static Pot4jException assertBad(Path tmp, Map<String, Object> executor, String named) throws Exception {
        Path config = SparkConfigs.copy(Examples.dir().resolve("mnist-resnet/config-aa.json"), Files.createTempFile(tmp, "c", ".json"),
                executor);
        try (Pot4j pot4j = Pot4j.create()) {
            Pot4jException e = assertThrows(Pot4jException.class, () -> pot4j.loadConfig(config));
            assertTrue(e.code() == ErrorCode.CONFIG_INVALID || e.code() == ErrorCode.CONFIG_UNKNOWN_KEY, e.code().toString());
            assertTrue(e.getMessage().contains(named), e.getMessage());
            assertEquals(-1, e.getMessage().indexOf('\n'), "one line: " + e.getMessage());
            return e;
        }
    }
}
