package org.pot4j.engine.benchmark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.pot4j.api.DataType;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.data.Sample;
import org.pot4j.api.model.TensorInfo;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.engine.testing.RecordingProgress;

class BenchmarkTest {
    private static final List<TensorInfo> IMAGE = List.of(new TensorInfo("input", DataType.FLOAT32, new long[] {-1, 1, 4, 4}));

    @Test
    void measuresEveryModelAtEveryBatchSizeOnIdenticalInputs() {
        RecordingModel a = new RecordingModel(IMAGE);
        RecordingModel b = new RecordingModel(List.of(new TensorInfo("x", DataType.FLOAT32, new long[] {-1, 1, 4, 4})));
        RecordingProgress progress = new RecordingProgress();
        BenchmarkOptions options = BenchmarkOptions.defaults().withRounds(2, 5);
        List<String> calls = new ArrayList<>();
        a.callLog = calls;
        a.tag = "A";
        b.callLog = calls;
        b.tag = "B";

        List<BenchmarkResult> results = new Benchmark(options, progress).run(a, b);
        List<String> events = progress.events();

        assertEquals(4, results.size());
        assertEquals(List.of(1, 1, 32, 32), results.stream().map(BenchmarkResult::batchSize).toList());
        assertEquals(List.of("FP32", "INT8", "FP32", "INT8"), results.stream().map(BenchmarkResult::label).toList());
        for (int i = 0; i < 4; i += 2) {
            BenchmarkResult base = results.get(i);
            BenchmarkResult other = results.get(i + 1);
            assertNull(base.speedRatio());
            assertEquals(base.medianMs() / other.medianMs(), other.speedRatio(), 1e-9);
            assertEquals(base.batchSize() * 1000.0 / base.medianMs(), base.throughput(), 1e-6);
            assertTrue(base.p90Ms() >= base.medianMs() && base.medianMs() >= base.minMs());
            assertEquals(5, other.repeats());
            assertEquals(1234, other.sizeBytes());
        }
        // compiled as is, closed afterwards
        assertEquals(List.of(QuantizationPlan.EMPTY), a.plans);
        assertEquals(0, a.open + b.open);
        // (2 warm-up + 5 timed) calls per batch size, interleaved, each pair on the same data
        assertEquals(14, a.seen.size());
        assertEquals(14, b.seen.size());
        for (int i = 0; i < a.seen.size(); i++) {
            Tensor ta = a.seen.get(i).get("input");
            Tensor tb = b.seen.get(i).get("x");
            assertArrayEquals(ta.floats(), tb.floats());
            assertEquals(i < 7 ? 1 : 32, ta.dim(0));
        }
        // warm-up A B twice, then timed rounds alternate A B / B A
        assertEquals(List.of("A", "B", "A", "B", "A", "B", "B", "A", "A", "B", "B", "A", "A", "B"), calls.subList(0, 14));
        assertTrue(events.contains("start benchmark batch 1 7"), events.toString());
        assertTrue(events.contains("progress benchmark batch 32 7/7"), events.toString());
        assertTrue(events.contains("finish benchmark batch 32"), events.toString());
    }

    @Test
    void randomInputsAreRepeatableForTheSameSeed() {
        RecordingModel a = new RecordingModel(IMAGE);
        RecordingModel b = new RecordingModel(IMAGE);
        BenchmarkOptions options = BenchmarkOptions.defaults().withRounds(0, 1).withBatchSizes(List.of(3));
        new Benchmark(options, null).run(List.of(new Benchmark.Subject("a", a)));
        new Benchmark(options, null).run(List.of(new Benchmark.Subject("b", b)));
        assertArrayEquals(a.seen.get(0).get("input").floats(), b.seen.get(0).get("input").floats());
    }

    @Test
    void fixedBatchDimensionLimitsTheBatchSizes() {
        RecordingModel fixed = new RecordingModel(List.of(new TensorInfo("input", DataType.FLOAT32, new long[] {8, 3})));
        RecordingProgress progress = new RecordingProgress();
        List<BenchmarkResult> results = new Benchmark(BenchmarkOptions.defaults().withRounds(0, 2), progress)
                .run(List.of(new Benchmark.Subject("only", fixed)));
        assertEquals(1, results.size());
        assertEquals(8, results.get(0).batchSize());
        assertTrue(progress.events().stream().anyMatch(e -> e.startsWith("message") && e.contains("fixed batch size of 8")),
                progress.events().toString());
    }

    @Test
    void feedsRealSamplesWhenADatasetIsGiven() {
        List<Sample> samples = new ArrayList<>();
        for (int index = 0; index < 2; index++) {
            float[] v = new float[16];
            java.util.Arrays.fill(v, index + 1);
            samples.add(Sample.of("whatever", Tensor.ofFloats(new long[] {1, 4, 4}, v), index));
        }
        Dataset data = Dataset.of("ones-and-twos", samples);
        RecordingModel model = new RecordingModel(IMAGE);
        new Benchmark(BenchmarkOptions.defaults().withRounds(0, 1).withBatchSizes(List.of(3)).withDataset(data), null)
                .run(List.of(new Benchmark.Subject("m", model)));
        float[] seen = model.seen.get(0).get("input").floats();
        assertEquals(1f, seen[0]);
        assertEquals(2f, seen[16]);
        assertEquals(1f, seen[32], "samples are cycled when the batch is larger than the dataset");
    }

    @Test
    void rejectsDatasetThatDoesNotFitTheModel() {
        Dataset wrong = Dataset.of("wrong-shape", List.of(Sample.of("input", Tensor.ofFloats(new long[] {2}, new float[2]), null)));
        Pot4jException e = assertThrows(Pot4jException.class, () -> new Benchmark(
                BenchmarkOptions.defaults().withDataset(wrong), null).run(List.of(new Benchmark.Subject("m", new RecordingModel(IMAGE)))));
        assertEquals(ErrorCode.DATASET_SHAPE_MISMATCH, e.code());
    }

    @Test
    void rejectsModelsWithDifferentInputs() {
        RecordingModel one = new RecordingModel(IMAGE);
        RecordingModel two = new RecordingModel(List.of(IMAGE.get(0), new TensorInfo("mask", DataType.INT64, new long[] {-1, 4})));
        Pot4jException e = assertThrows(Pot4jException.class, () -> new Benchmark(BenchmarkOptions.defaults(), null).run(one, two));
        assertEquals(ErrorCode.MODEL_UNSUPPORTED, e.code());
        assertEquals(0, one.plans.size(), "nothing compiled before the inputs were checked");
    }

    @Test
    void percentilesInterpolateBetweenRanks() {
        long[] nanos = {10_000_000, 1_000_000, 2_000_000, 3_000_000, 4_000_000, 5_000_000, 6_000_000, 7_000_000, 8_000_000, 9_000_000};
        Benchmark.LatencyStats s = Benchmark.LatencyStats.of(nanos);
        assertEquals(5.5, s.medianMs(), 1e-9);
        assertEquals(9.1, s.p90Ms(), 1e-9);
        assertEquals(1.0, s.minMs(), 1e-9);
        assertEquals(5.5, s.meanMs(), 1e-9);
    }

    @Test
    void optionsRejectNonsense() {
        assertThrows(IllegalArgumentException.class, () -> BenchmarkOptions.defaults().withBatchSizes(List.of(0)));
        assertThrows(IllegalArgumentException.class, () -> BenchmarkOptions.defaults().withRounds(0, 0));
        assertSame(null, BenchmarkOptions.defaults().dataset());
    }
}
