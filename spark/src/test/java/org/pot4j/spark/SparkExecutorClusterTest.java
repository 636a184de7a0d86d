package org.pot4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.model.Model;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.engine.Pot4j;
import org.pot4j.engine.evaluation.EvaluationRequest;

/**
 * {@code local-cluster[2,1,1024]}: two executor JVMs, so a class that does not serialize, a
 * provider missing from the executors' class path or a driver-only file shows here.
 */
class SparkExecutorClusterTest {
    @Test
    void int8OutputsInSeparateExecutorJvmsAreTheLocalOnes() throws Exception {
        Map<String, Object> spec = new HashMap<>(Map.of("type", "spark", "master", LocalCluster.MASTER));
        spec.put("conf", LocalCluster.conf());
        try (Pot4j pot4j = Pot4j.create()) {
            Path examples = Examples.dir();
            Model model = pot4j.loadModel(examples.resolve("mnist-resnet/resnet.onnx"), "onnx", Map.of());
            Dataset test = pot4j.openDataset(Map.of("type", "idx", "images", "data/mnist/test-images.idx3-ubyte"), examples);
            Dataset calib = pot4j.openDataset(Map.of("type", "idx", "images", "data/mnist/calibration-images.idx3-ubyte"), examples);
            QuantizationPlan int8 = pot4j.quantize(model, calib, Map.of("stat_subset_size", 64)).plan();
            EvaluationRequest request = EvaluationRequest.of(int8, test, List.of(), "int8").withIndices(IntStream.range(0, 256).toArray())
                    .withKeepOutputs(true);
            List<List<Tensor>> local = pot4j.evaluator().evaluate(model, request).outputs();
            SparkEvaluationExecutor spark = (SparkEvaluationExecutor) pot4j.executor(spec);
            List<List<Tensor>> remote;
            try (AutoCloseable scope = pot4j.evaluator().useExecutor(spark)) {
                remote = pot4j.evaluator().evaluate(model, request).outputs();
                assertEquals(2, spark.context().sc().getExecutorMemoryStatus().size() - 1, "two executor JVMs besides the driver");
                assertEquals(256, spark.samplesInferred());
            }
            for (int p = 0; p < local.size(); p++) {
                assertArrayEquals(local.get(p).get(0).floats(), remote.get(p).get(0).floats(), 0f, "sample " + p);
            }
        }
    }
}
