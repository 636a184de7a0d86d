package org.pot4j.engine.evaluation.executor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.ProgressListener;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.metric.Metric;
import org.pot4j.api.model.Model;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.engine.Pot4j;
import org.pot4j.engine.evaluation.EvaluationRequest;
import org.pot4j.engine.evaluation.EvaluationResult;
import org.pot4j.engine.evaluation.Evaluator;
import org.pot4j.engine.testplugins.TextMlpBackendProvider;

/**
 * The executor seam as issue 14's Spark executor uses it: the task crosses a serialization
 * boundary, is split into partitions, and each partition is re-created by a {@link TaskRunner} on
 * another engine instance (standing in for another JVM). The metric values, per-sample values and
 * outputs must be identical to the local run.
 */
class RemoteExecutorSeamTest {
    @TempDir
    static Path dir;
    private static Pot4j driver;
    private static Pot4j worker;
    private static Path modelFile;

    @BeforeAll
    static void engines() throws IOException {
        driver = Pot4j.builder().progress(ProgressListener.NONE).build();
        worker = Pot4j.builder().progress(ProgressListener.NONE).build();
        modelFile = TextMlpBackendProvider.write(dir.resolve("m.tmlp"), 3, 6, 12, 3);
        StringBuilder csv = new StringBuilder("a,b,c,d,e,f,label\n");
        Random r = new Random(5);
        for (int i = 0; i < 45; i++) {
            for (int k = 0; k < 6; k++) {
                csv.append(String.format(java.util.Locale.ROOT, "%.4f,", r.nextGaussian()));
            }
            csv.append(i % 3).append('\n');
        }
        Files.writeString(dir.resolve("data.csv"), csv);
    }

    @AfterAll
    static void close() {
        driver.close();
        worker.close();
    }

    /** Serializes each task, runs its partitions of 2 batches on the worker engine, hands outputs back out of order. */
    static final class PartitionedExecutor implements EvaluationExecutor {
        final TaskRunner runner = new TaskRunner(worker);
        final AtomicInteger tasks = new AtomicInteger();

        @Override
        public String type() {
            return "test-remote";
        }

        @Override
        public boolean inProcess() {
            return false;
        }

        @Override
        public void run(EvaluationTask task, LiveInputs live, OutputSink sink) {
            tasks.incrementAndGet();
            EvaluationTask shipped = roundTrip(task);
            int part = 2 * shipped.batchSize();
            List<int[]> ranges = new ArrayList<>();
            for (int from = 0; from < shipped.size(); from += part) {
                ranges.add(new int[] {from, Math.min(shipped.size(), from + part)});
            }
            java.util.Collections.reverse(ranges); // the driver must order them
            for (int[] range : ranges) {
                List<List<TensorData>> out = roundTrip(runner.run(roundTrip(shipped.slice(range[0], range[1]))));
                sink.accept(0, range[0], TensorData.toSamples(out), null);
            }
        }

        @Override
        public void close() {
            runner.close();
        }
    }

    @SuppressWarnings("unchecked")
    static <T> T roundTrip(T value) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
                out.writeObject(value);
            }
            try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
                return (T) in.readObject();
            }
        } catch (IOException | ClassNotFoundException e) {
            throw new AssertionError("not serializable: " + e, e);
        }
    }

    @Test
    void aRemoteExecutorGivesTheLocalValuesBitForBit() throws Exception {
        try (Model model = driver.loadModel(modelFile)) {
            Dataset data = driver.openDataset(Map.of("type", "csv", "path", "data.csv", "label_column", "label"), dir, model);
            Supplier<Metric> top1 = driver.metric("test_top1", Map.of());
            QuantizationPlan plan = driver.quantize(model, data, Map.of("stat_subset_size", 20)).plan();
            Evaluator evaluator = driver.evaluator();
            EvaluationRequest request = EvaluationRequest.of(plan, data, List.of(top1), "int8").withKeepOutputs(true)
                    .withBatchSize(4);
            EvaluationResult local = evaluator.evaluate(model, request);
            PartitionedExecutor remote = new PartitionedExecutor();
            EvaluationResult distributed;
            try (AutoCloseable use = evaluator.useExecutor(remote)) {
                distributed = evaluator.evaluate(model, request);
                assertEquals("test-remote", evaluator.executor().type());
            }
            assertEquals(LocalEvaluationExecutor.TYPE, evaluator.executor().type(), "the previous executor is back");
            assertEquals(1, remote.tasks.get());
            assertEquals(local.aggregate(), distributed.aggregate());
            for (String key : local.aggregate().keySet()) {
                if (local.perSample(key) != null) {
                    assertArrayEquals(local.perSample(key), distributed.perSample(key));
                }
            }
            for (int i = 0; i < data.size(); i++) {
                assertArrayEquals(local.outputs().get(i).get(0).floats(), distributed.outputs().get(i).get(0).floats(),
                        "sample " + i);
            }
        }
    }

    @Test
    void aDatasetBuiltInCodeRunsLocallyAndAWorkerErrorComesBackAsIs() throws Exception {
        try (Model model = driver.loadModel(modelFile)) {
            Dataset opened = driver.openDataset(Map.of("type", "csv", "path", "data.csv", "label_column", "label"), dir);
            Dataset inCode = opened.map(s -> s);
            Evaluator evaluator = driver.evaluator();
            PartitionedExecutor remote = new PartitionedExecutor();
            try (AutoCloseable use = evaluator.useExecutor(remote)) {
                evaluator.evaluate(model, EvaluationRequest.of(QuantizationPlan.EMPTY, inCode, List.of(), "fp32"));
                assertEquals(0, remote.tasks.get(), "no descriptor: evaluated locally");
                // the worker cannot open the data any more: its error is the one a local run gives
                Files.move(dir.resolve("data.csv"), dir.resolve("moved.csv"));
                try {
                    Pot4jException e = assertThrows(Pot4jException.class, () -> evaluator.evaluate(model,
                            EvaluationRequest.of(QuantizationPlan.EMPTY, opened, List.of(), "fp32")));
                    assertTrue(e.getMessage().contains("data.csv"), e.getMessage());
                    assertTrue(e.code() != ErrorCode.INTERNAL, e.code().toString());
                } finally {
                    Files.move(dir.resolve("moved.csv"), dir.resolve("data.csv"));
                }
            }
        }
    }
}
