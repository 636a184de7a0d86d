package org.pot4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pot4j.engine.Pot4j;
import org.pot4j.engine.run.JobOptions;
import org.pot4j.engine.run.JobRunner;

/**
 * AccuracyAware on the MNIST ResNet example ({@code examples/mnist-resnet/config-aa.json}: NMSE to
 * the FP32 outputs, ranking, reverts) with every evaluation pass in Spark tasks ({@code local[2]})
 * gives what the local run gives: the same reverted nodes, the same metric values to the last
 * digit, the same INT8 file byte for byte.
 */
class SparkAccuracyAwareTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void sameRevertedNodesValuesAndBytesAsTheLocalRun(@TempDir Path tmp) throws Exception {
        Path example = Examples.dir().resolve("mnist-resnet/config-aa.json");
        Path localOut = tmp.resolve("local");
        Path sparkOut = tmp.resolve("spark");
        try (Pot4j pot4j = Pot4j.create()) {
            Path config = SparkConfigs.copy(example, tmp.resolve("local.json"), Map.of());
            assertTrue(new JobRunner(pot4j).run(pot4j.loadConfig(config), config, JobOptions.defaults().withOutputDir(localOut))
                    .allSucceeded());
        }
        long inferred;
        try (Pot4j pot4j = Pot4j.create()) {
            Path config = SparkConfigs.copy(example, tmp.resolve("spark.json"), Map.of("type", "spark", "master", "local[2]"));
            long before = SparkEvaluationExecutor.samplesInferredByClosedExecutors();
            assertTrue(new JobRunner(pot4j).run(pot4j.loadConfig(config), config, JobOptions.defaults().withOutputDir(sparkOut))
                    .allSucceeded());
            inferred = SparkEvaluationExecutor.samplesInferredByClosedExecutors() - before;
        }
        assertTrue(inferred > 1000, "the passes ran in Spark tasks (" + inferred + " samples)");
        assertArrayEquals(Files.readAllBytes(localOut.resolve("resnet/resnet-int8.onnx")),
                Files.readAllBytes(sparkOut.resolve("resnet/resnet-int8.onnx")), "INT8 model bytes");
        JsonNode local = JSON.readTree(localOut.resolve("resnet/report.json").toFile());
        assertEquals("TARGET_MET", local.path("status").asText());
        assertTrue(local.path("plan").path("fp32_nodes").size() > 0, "the example reverts nodes: " + local.path("plan"));
        JsonNode remote = JSON.readTree(sparkOut.resolve("resnet/report.json").toFile());
        System.out.printf("AccuracyAware MNIST ResNet wall time: local %.1f s, Spark local[2] %.1f s%n",
                local.path("wall_seconds").asDouble(), remote.path("wall_seconds").asDouble());
        for (String field : new String[] {"status", "metrics", "plan", "algorithms"}) {
            assertFalse(local.path(field).isMissingNode(), field + " in report.json: " + local);
            assertEquals(withoutTimes(local.path(field)), withoutTimes(remote.path(field)), field);
        }
    }

    /** The report minus wall times, which differ from run to run. */
    private static JsonNode withoutTimes(JsonNode node) {
        JsonNode copy = node.deepCopy();
        strip(copy);
        return copy;
    }

    private static void strip(JsonNode node) {
        if (node.isObject()) {
            var fields = ((com.fasterxml.jackson.databind.node.ObjectNode) node);
            fields.properties().removeIf(e -> e.getKey().contains("seconds") || e.getKey().contains("time")
                    || e.getKey().equals("timing"));
            fields.forEach(SparkAccuracyAwareTest::strip);
        } else if (node.isArray()) {
            node.forEach(SparkAccuracyAwareTest::strip);
        }
    }
}
