package org.pot4j.engine.statistics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.ProgressListener;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.engine.testing.ArrayDataset;
import org.pot4j.engine.testing.JavaMlpModel;
import org.pot4j.engine.testing.RecordingProgress;

class StatisticsCollectorTest {
    private final StatisticsCollector collector = new StatisticsCollector();

    /** Three samples of 4 values each, chosen so every statistic is easy to compute by hand. */
    private static ArrayDataset handData() {
        return ArrayDataset.of("input", new long[] {4}, List.of(
                new float[] {-1, 2, 3, 0},
                new float[] {-4, 1, 1, 6},
                new float[] {0, 0.5f, 2, 1}));
    }

    @Test
    void perSampleStatisticsMatchHandComputedValues() {
        JavaMlpModel model = JavaMlpModel.mlp(1, 4, 5, 3);
        StatisticsRequest req = new StatisticsRequest()
                .add("input", StatisticSpec.min(Aggregator.MIN))
                .add("input", StatisticSpec.min(Aggregator.MEAN))
                .add("input", StatisticSpec.max(Aggregator.MAX))
                .add("input", StatisticSpec.max(Aggregator.MEAN))
                .add("input", StatisticSpec.absMax(Aggregator.MEAN))
                .add("input", StatisticSpec.quantile(0.5, Aggregator.MEAN))
                .add("input", StatisticSpec.absQuantile(0.5, Aggregator.MAX))
                .add("input", StatisticSpec.channelMean(1));
        StatisticsResult r = collector.collect(model, QuantizationPlan.EMPTY, handData(), req,
                new CollectionOptions(300, 2, false, 0, "statistics"), ProgressListener.NONE);
        assertEquals(3, r.sampleCount());
        // per-sample mins -1, -4, 0; maxes 3, 6, 2; abs maxes 3, 6, 2
        assertEquals(-4, r.value("input", StatisticSpec.min(Aggregator.MIN)), 1e-9);
        assertEquals(-5.0 / 3, r.value("input", StatisticSpec.min(Aggregator.MEAN)), 1e-9);
        assertEquals(6, r.value("input", StatisticSpec.max(Aggregator.MAX)), 1e-9);
        assertEquals(11.0 / 3, r.value("input", StatisticSpec.max(Aggregator.MEAN)), 1e-9);
        assertEquals(11.0 / 3, r.value("input", StatisticSpec.absMax(Aggregator.MEAN)), 1e-9);
        // medians: (0+2)/2=1, (1+1)/2=1, (0.5+1)/2=0.75
        assertEquals((1 + 1 + 0.75) / 3, r.value("input", StatisticSpec.quantile(0.5, Aggregator.MEAN)), 1e-6);
        // abs medians: (1+2)/2=1.5, (1+4)/2=2.5, 0.75 -> max 2.5
        assertEquals(2.5, r.value("input", StatisticSpec.absQuantile(0.5, Aggregator.MAX)), 1e-6);
        assertArrayEquals(new double[] {-5.0 / 3, 3.5 / 3, 2, 7.0 / 3},
                r.channelMeans("input", StatisticSpec.channelMean(1)), 1e-6);
    }

    @Test
    void intermediateTensorsMatchAnFp32RunAndTheModelIsCompiledOnce() {
        JavaMlpModel model = JavaMlpModel.tinyConv(3);
        Dataset data = ArrayDataset.generated("image", new long[] {2, 6, 6}, 37, 11);
        StatisticsRequest req = new StatisticsRequest()
                .add("conv1_out", StatisticSpec.channelMean(1))
                .add("conv1_out", StatisticSpec.min(Aggregator.MIN))
                .add("conv1_relu", StatisticSpec.max(Aggregator.MEAN))
                .add("logits", StatisticSpec.absMax(Aggregator.MAX));
        StatisticsResult r = collector.collect(model, QuantizationPlan.EMPTY, data, req,
                new CollectionOptions(300, 8, false, 0, "statistics"), ProgressListener.NONE);
        assertEquals(1, model.compileCount());
        assertEquals(5, model.inferenceCount()); // ceil(37 / 8)

        // reference: run sample by sample and reduce by hand
        double[] sums = new double[4];
        long perChannel = 0;
        double min = Double.POSITIVE_INFINITY;
        double meanOfMax = 0;
        double absMax = 0;
        try (CompiledModel c = model.compile(QuantizationPlan.EMPTY, Set.of("conv1_out", "conv1_relu"))) {
            for (int i = 0; i < data.size(); i++) {
                Map<String, Tensor> out = c.infer(Map.of("image", data.get(i).inputs().get("image").withBatchDim()));
                float[] conv = out.get("conv1_out").floats();
                int spatial = conv.length / 4;
                for (int ch = 0; ch < 4; ch++) {
                    for (int j = 0; j < spatial; j++) {
                        sums[ch] += conv[ch * spatial + j];
                        min = Math.min(min, conv[ch * spatial + j]);
                    }
                }
                perChannel += spatial;
                double m = Double.NEGATIVE_INFINITY;
                for (float v : out.get("conv1_relu").floats()) {
                    m = Math.max(m, v);
                }
                meanOfMax += m / data.size();
                for (float v : out.get("logits").floats()) {
                    absMax = Math.max(absMax, Math.abs(v));
                }
            }
        }
        for (int ch = 0; ch < 4; ch++) {
            sums[ch] /= perChannel;
        }
        assertArrayEquals(sums, r.channelMeans("conv1_out", StatisticSpec.channelMean(1)), 1e-5);
        assertEquals(min, r.value("conv1_out", StatisticSpec.min(Aggregator.MIN)), 1e-6);
        assertEquals(meanOfMax, r.value("conv1_relu", StatisticSpec.max(Aggregator.MEAN)), 1e-5);
        assertEquals(absMax, r.value("logits", StatisticSpec.absMax(Aggregator.MAX)), 1e-6);
    }

    @Test
    void subsetSizeCapsTheSamplesAndProgressIsReported() {
        JavaMlpModel model = JavaMlpModel.mlp(1, 4, 5, 3);
        RecordingProgress progress = new RecordingProgress();
        StatisticsResult r = collector.collect(model, QuantizationPlan.EMPTY, ArrayDataset.generated("input", new long[] {4}, 1000, 1),
                new StatisticsRequest().add("relu1", StatisticSpec.max(Aggregator.MAX)),
                new CollectionOptions(40, 16, false, 0, "statistics"), progress);
        assertEquals(40, r.sampleCount());
        assertEquals(40, model.rowCount());
        List<String> ev = progress.events();
        assertEquals("start statistics 40", ev.get(0));
        assertTrue(ev.contains("progress statistics 40/40"), ev.toString());
        assertEquals("finish statistics", ev.get(ev.size() - 1));
    }

    @Test
    void memoryDoesNotGrowWithTheDataset() {
        StatisticsRequest req = new StatisticsRequest()
                .add("input", StatisticSpec.quantile(1e-4, Aggregator.MEAN))
                .add("fc1_out", StatisticSpec.channelMean(1))
                .add("relu1", StatisticSpec.max(Aggregator.MEAN))
                .add("relu1", StatisticSpec.min(Aggregator.MIN))
                .add("logits", StatisticSpec.absQuantile(0.9999, Aggregator.MEAN));
        StatisticsResult small = collector.collect(JavaMlpModel.mlp(1, 16, 32, 4), QuantizationPlan.EMPTY,
                ArrayDataset.generated("input", new long[] {16}, 10, 1), req, CollectionOptions.firstSamples(100_000), ProgressListener.NONE);
        StatisticsResult large = collector.collect(JavaMlpModel.mlp(1, 16, 32, 4), QuantizationPlan.EMPTY,
                ArrayDataset.generated("input", new long[] {16}, 5_000, 1), req, CollectionOptions.firstSamples(100_000), ProgressListener.NONE);
        assertEquals(10, small.sampleCount());
        assertEquals(5_000, large.sampleCount());
        assertEquals(small.stateSize(), large.stateSize(), "reducer state must not depend on the number of samples");
        // 4 numbers per scalar statistic and one per channel (+ a count): O(tracked tensors)
        assertEquals(4 * 4 + 32 + 1, large.stateSize());
    }

    @Test
    void reducerStateAndScratchAreBoundedByOneSample() {
        TensorReducer r = new TensorReducer("t", Set.of(StatisticSpec.quantile(0.1, Aggregator.MEAN), StatisticSpec.channelMean(1)));
        for (int b = 0; b < 50; b++) {
            float[] d = new float[8 * 10];
            Arrays.fill(d, b);
            r.accept(Tensor.ofFloats(new long[] {8, 10}, d), 8, 8);
        }
        assertEquals(4 + 10 + 1, r.stateSize());
        assertEquals(10, r.scratchSize());
    }

    @Test
    void shuffledSubsetIsSeededDistinctAndSorted() {
        int[] a = SubsetIndices.choose(1000, 50, true, 42);
        int[] b = SubsetIndices.choose(1000, 50, true, 42);
        int[] c = SubsetIndices.choose(1000, 50, true, 43);
        assertArrayEquals(a, b);
        assertTrue(!Arrays.equals(a, c));
        assertEquals(50, Arrays.stream(a).distinct().count());
        for (int i = 1; i < a.length; i++) {
            assertTrue(a[i] > a[i - 1]);
        }
        assertArrayEquals(new int[] {0, 1, 2}, SubsetIndices.choose(3, 300, true, 1));
    }

    @Test
    void fixedBatchModelsArePaddedAndPaddingIsNotCounted() {
        Dataset data = ArrayDataset.generated("input", new long[] {4}, 10, 5);
        StatisticsRequest req = new StatisticsRequest()
                .add("fc1_out", StatisticSpec.channelMean(1))
                .add("relu1", StatisticSpec.max(Aggregator.MEAN));
        java.util.Random rnd = new java.util.Random(9);
        float[][] w1 = JavaMlpModel.randomMatrix(rnd, 5, 4, 0.5);
        float[] b1 = JavaMlpModel.randomVector(rnd, 5, 0.5);
        JavaMlpModel fixed = JavaMlpModel.builder("input", 4, 4).linear("fc1", "input", "fc1_out", w1, b1)
                .relu("fc1_out", "relu1").output("relu1").build();
        JavaMlpModel dynamic = JavaMlpModel.builder("input", -1, 4).linear("fc1", "input", "fc1_out", w1, b1)
                .relu("fc1_out", "relu1").output("relu1").build();
        StatisticsResult f = collector.collect(fixed, QuantizationPlan.EMPTY, data, req, CollectionOptions.firstSamples(300), ProgressListener.NONE);
        StatisticsResult d = collector.collect(dynamic, QuantizationPlan.EMPTY, data, req, CollectionOptions.firstSamples(300), ProgressListener.NONE);
        assertEquals(12, fixed.rowCount()); // 3 batches of 4
        assertArrayEquals(d.channelMeans("fc1_out", StatisticSpec.channelMean(1)), f.channelMeans("fc1_out", StatisticSpec.channelMean(1)), 1e-6);
        assertEquals(d.value("relu1", StatisticSpec.max(Aggregator.MEAN)), f.value("relu1", StatisticSpec.max(Aggregator.MEAN)), 1e-6);
    }

    @Test
    void badDataGivesClearErrors() {
        JavaMlpModel model = JavaMlpModel.mlp(1, 4, 5, 3);
        StatisticsRequest req = new StatisticsRequest().add("relu1", StatisticSpec.max(Aggregator.MAX));
        CollectionOptions opts = CollectionOptions.firstSamples(300);

        List<float[]> withNaN = new ArrayList<>(List.of(new float[] {1, 2, 3, 4}, new float[] {1, Float.NaN, 3, 4}));
        Pot4jException nan = assertThrows(Pot4jException.class, () -> collector.collect(model, QuantizationPlan.EMPTY,
                ArrayDataset.of("input", new long[] {4}, withNaN), req, opts, ProgressListener.NONE));
        assertEquals(ErrorCode.DATA_NOT_FINITE, nan.code());
        assertTrue(nan.getMessage().contains("sample 1"), nan.getMessage());

        Pot4jException empty = assertThrows(Pot4jException.class, () -> collector.collect(model, QuantizationPlan.EMPTY,
                ArrayDataset.of("input", new long[] {4}, List.of()), req, opts, ProgressListener.NONE));
        assertEquals(ErrorCode.DATASET_EMPTY, empty.code());

        Pot4jException shape = assertThrows(Pot4jException.class, () -> collector.collect(model, QuantizationPlan.EMPTY,
                ArrayDataset.of("input", new long[] {5}, List.<float[]>of(new float[5])), req, opts, ProgressListener.NONE));
        assertEquals(ErrorCode.DATASET_SHAPE_MISMATCH, shape.code());
    }

    @Test
    void aQuantizedPlanChangesWhatIsCollected() {
        JavaMlpModel model = JavaMlpModel.mlp(1, 4, 5, 3);
        Dataset data = ArrayDataset.generated("input", new long[] {4}, 20, 2);
        StatisticsRequest req = new StatisticsRequest().add("logits", StatisticSpec.channelMean(1));
        QuantizationPlan coarse = QuantizationPlan.builder()
                .activation("relu1", new org.pot4j.api.quant.ActivationQuantizer(2, false, 0.5f, 0)).build();
        double[] fp = collector.collect(model, QuantizationPlan.EMPTY, data, req, CollectionOptions.firstSamples(300), ProgressListener.NONE)
                .channelMeans("logits", StatisticSpec.channelMean(1));
        double[] q = collector.collect(model, coarse, data, req, CollectionOptions.firstSamples(300), ProgressListener.NONE)
                .channelMeans("logits", StatisticSpec.channelMean(1));
        assertTrue(!Arrays.equals(fp, q));
    }
}
