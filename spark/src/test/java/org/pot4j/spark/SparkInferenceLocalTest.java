package org.pot4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.model.Model;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.engine.Pot4j;
import org.pot4j.engine.evaluation.EvaluationRequest;
import org.pot4j.engine.evaluation.Evaluator;

/** A real MNIST ResNet pass in Spark tasks ({@code local[2]}) gives the local evaluator's outputs bit for bit. */
class SparkInferenceLocalTest {
    static Pot4j pot4j;
    static SparkInference spark;

    @BeforeAll
    static void start() {
        pot4j = Pot4j.create();
        spark = SparkInference.start("local[2]", Map.of(), List.of());
    }

    @AfterAll
    static void stop() {
        spark.close();
        pot4j.close();
    }

    @Test
    void fp32AndInt8OutputsAreTheLocalOnes() {
        Path examples = Examples.dir();
        Path modelPath = examples.resolve("mnist-resnet/resnet.onnx");
        Model model = pot4j.loadModel(modelPath, "onnx", Map.of());
        Map<String, Object> spec = Map.of("type", "idx", "images", "data/mnist/test-images.idx3-ubyte",
                "labels", "data/mnist/test-labels.idx1-ubyte");
        Dataset test = pot4j.openDataset(spec, examples);
        Dataset calib = pot4j.openDataset(Map.of("type", "idx", "images", "data/mnist/calibration-images.idx3-ubyte"), examples);
        QuantizationPlan int8 = pot4j.quantize(model, calib, Map.of("stat_subset_size", 100)).plan();
        int[] idx = IntStream.range(0, 300).map(i -> (i * 7) % test.size()).toArray();
        int batch = org.pot4j.engine.data.Batches.batchSizeFor(model);
        for (QuantizationPlan plan : List.of(QuantizationPlan.EMPTY, int8, QuantizationPlan.EMPTY)) {
            List<List<Tensor>> local = new Evaluator(null, 2).evaluate(model,
                    EvaluationRequest.of(plan, test, List.of(), "local").withIndices(idx).withKeepOutputs(true)).outputs();
            List<List<Tensor>> remote = spark.infer(model, modelPath, "onnx", Map.of(), plan, spec, examples, idx, batch, "spark");
            assertEquals(local.size(), remote.size());
            for (int p = 0; p < idx.length; p++) {
                assertEquals(local.get(p).size(), remote.get(p).size());
                for (int o = 0; o < local.get(p).size(); o++) {
                    assertArrayEquals(local.get(p).get(o).shape(), remote.get(p).get(o).shape());
                    assertArrayEquals(local.get(p).get(o).floats(), remote.get(p).get(o).floats(), 0f, "sample " + idx[p]);
                }
            }
        }
        assertNotEquals(0, spark.bytesCollected());
    }
}
