package org.pot4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.model.Model;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.engine.Pot4j;
import org.pot4j.engine.evaluation.EvaluationRequest;
import org.pot4j.engine.evaluation.executor.DatasetDescriptor;
import org.pot4j.engine.evaluation.executor.EvaluationTask;
import org.pot4j.engine.evaluation.executor.LiveInputs;
import org.pot4j.engine.evaluation.executor.ModelDescriptor;

/**
 * The Spark executor in {@code local[2]} on the MNIST ResNet: FP32 and INT8 outputs bit-identical to
 * the local executor's, FP32 computed once on the cluster, errors as one-line {@link Pot4jException}s.
 */
class SparkExecutorOutputsTest {
    static Pot4j pot4j;
    static SparkEvaluationExecutor spark;
    static Path examples;
    static Path modelPath;
    static Model model;

    @BeforeAll
    static void start() {
        pot4j = Pot4j.create();
        spark = (SparkEvaluationExecutor) pot4j.executor(Map.of("type", "spark", "master", "local[2]"));
        examples = Examples.dir();
        modelPath = examples.resolve("mnist-resnet/resnet.onnx");
        model = pot4j.loadModel(modelPath, "onnx", Map.of());
    }

    @AfterAll
    static void stop() {
        spark.close();
        pot4j.close();
    }

    @Test
    void fp32AndInt8OutputsAreTheLocalOnesBitForBit() {
        Dataset test = pot4j.openDataset(Map.of("type", "idx", "images", "data/mnist/test-images.idx3-ubyte"), examples);
        Dataset calib = pot4j.openDataset(Map.of("type", "idx", "images", "data/mnist/calibration-images.idx3-ubyte"), examples);
        QuantizationPlan int8 = pot4j.quantize(model, calib, Map.of("stat_subset_size", 100)).plan();
        int[] idx = IntStream.range(0, 300).map(i -> (i * 7) % test.size()).toArray();
        for (QuantizationPlan plan : List.of(QuantizationPlan.EMPTY, int8)) {
            EvaluationRequest request = EvaluationRequest.of(plan, test, List.of(), "outputs").withIndices(idx).withKeepOutputs(true);
            List<List<Tensor>> local = pot4j.evaluator().evaluate(model, request).outputs();
            List<List<Tensor>> remote;
            try (AutoCloseable ignored = pot4j.evaluator().useExecutor(new Unclosed(spark))) {
                pot4j.evaluator().clearCache();
                remote = pot4j.evaluator().evaluate(model, request).outputs();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            assertEquals(local.size(), remote.size());
            for (int p = 0; p < idx.length; p++) {
                assertArrayEquals(local.get(p).get(0).shape(), remote.get(p).get(0).shape());
                assertArrayEquals(local.get(p).get(0).floats(), remote.get(p).get(0).floats(), 0f, "sample " + idx[p] + ", " + plan);
            }
        }
        assertTrue(spark.bytesCollected() >= 2L * 300 * 10 * 4, "outputs came back from the Spark tasks");
    }

    @Test
    void fp32OutputsAreComputedOnceAndPersisted() {
        int[] idx = IntStream.range(0, 96).toArray();
        EvaluationTask task = task(QuantizationPlan.EMPTY, idx, "fp32 persisted");
        long before = spark.samplesInferred();
        List<List<Tensor>> first = run(task);
        long afterFirst = spark.samplesInferred();
        List<List<Tensor>> second = run(task);
        assertEquals(96, afterFirst - before, "the first FP32 pass runs the model on every sample");
        assertEquals(afterFirst, spark.samplesInferred(), "the second is read from the persisted RDD");
        for (int p = 0; p < idx.length; p++) {
            assertArrayEquals(first.get(p).get(0).floats(), second.get(p).get(0).floats(), 0f);
        }
    }

    @Test
    void aModelErrorOnAnExecutorIsTheLocalOneLineException() {
        // a dataset whose samples do not fit the model (784-long rows for a 1x28x28 input): the check
        // fails on the executor, and the driver raises the same code and message as a local run
        Map<String, Object> spec = Map.of("type", "idx", "images", "data/mnist/test-images.idx3-ubyte", "channels_first", false);
        Dataset bad = pot4j.openDataset(spec, examples);
        EvaluationRequest request = EvaluationRequest.of(QuantizationPlan.EMPTY, bad, List.of(), "bad").withIndices(new int[] {0, 1});
        Pot4jException local = assertThrows(Pot4jException.class, () -> pot4j.evaluator().evaluate(model, request));
        Pot4jException remote = assertThrows(Pot4jException.class,
                () -> run(EvaluationTask.of(new ModelDescriptor("onnx", modelPath.toString(), Map.of()), QuantizationPlan.EMPTY,
                        new DatasetDescriptor(spec, examples.toString()), new int[] {0, 1}, List.of("output"), 16, 1, "bad")));
        assertEquals(local.code(), remote.code());
        assertEquals(local.getMessage(), remote.getMessage());
        assertEquals(ErrorCode.DATASET_SHAPE_MISMATCH, remote.code());
    }

    private static EvaluationTask task(QuantizationPlan plan, int[] idx, String stage) {
        return EvaluationTask.of(new ModelDescriptor("onnx", modelPath.toString(), Map.of()), plan,
                new DatasetDescriptor(Map.of("type", "idx", "images", "data/mnist/test-images.idx3-ubyte"), examples.toString()),
                idx, model.outputs().stream().map(t -> t.name()).toList(), 16, 1, stage);
    }

    private static List<List<Tensor>> run(EvaluationTask task) {
        List<List<Tensor>> out = new ArrayList<>(Collections.nCopies(task.size(), null));
        Dataset unused = pot4j.openDataset(Map.of("type", "idx", "images", "data/mnist/test-images.idx3-ubyte"), examples);
        spark.run(task, new LiveInputs(model, task.plan(), unused, null, null), (w, from, outs, samples) -> {
            for (int j = 0; j < outs.size(); j++) {
                out.set(from + j, outs.get(j));
            }
        });
        return out;
    }
}
