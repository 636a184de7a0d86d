package org.pot4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
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
import org.pot4j.engine.evaluation.Evaluator;

/** {@code local-cluster[2,1,1024]}: two executor JVMs, so serialization and class path mistakes show. */
class SparkInferenceClusterTest {
    @Test
    void outputsInSeparateExecutorJvmsAreTheLocalOnes() throws Exception {
        try (Pot4j pot4j = Pot4j.create(); SparkInference spark = SparkInference.start(LocalCluster.MASTER, LocalCluster.conf(), List.of())) {
            Path examples = Examples.dir();
            Path modelPath = examples.resolve("mnist-resnet/resnet.onnx");
            Model model = pot4j.loadModel(modelPath, "onnx", Map.of());
            Map<String, Object> spec = Map.of("type", "idx", "images", "data/mnist/test-images.idx3-ubyte");
            Dataset test = pot4j.openDataset(spec, examples);
            int[] idx = IntStream.range(0, 200).toArray();
            int batch = org.pot4j.engine.data.Batches.batchSizeFor(model);
            List<List<Tensor>> local = new Evaluator(null, 2).evaluate(model,
                    EvaluationRequest.of(QuantizationPlan.EMPTY, test, List.of(), "local").withIndices(idx).withKeepOutputs(true)).outputs();
            List<List<Tensor>> remote = spark.infer(model, modelPath, "onnx", Map.of(), QuantizationPlan.EMPTY, spec, examples, idx,
                    batch, "spark");
            assertEquals(2, spark.context().sc().getExecutorMemoryStatus().size() - 1, "two executors besides the driver");
            for (int p = 0; p < idx.length; p++) {
                assertArrayEquals(local.get(p).get(0).floats(), remote.get(p).get(0).floats(), 0f, "sample " + p);
            }
        }
    }
}
