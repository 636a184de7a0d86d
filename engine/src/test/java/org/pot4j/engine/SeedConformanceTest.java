package org.pot4j.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.ProgressListener;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.data.Sample;
import org.pot4j.api.metric.Metric;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.Model;
import org.pot4j.api.quant.AccuracyTargetMissedException;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.api.quant.QuantizationResult;
import org.pot4j.engine.data.Batches;
import org.pot4j.engine.testing.ArrayDataset;
import org.pot4j.engine.testplugins.TextMlpBackendProvider;

/**
 * The NNCF usage example of the seeds ({@code nncf.Dataset(data, transform_fn)} then
 * {@code quantize_with_accuracy_control(model, calibration, validation, validate)}) through the
 * Java API, and POT's {@code (data, annotation, metadata)} reaching the metric. See
 * docs/seed-conformance.md.
 */
class SeedConformanceTest {
    private static Pot4j pot4j;
    @TempDir
    static Path dir;
    private static Path modelFile;

    @BeforeAll
    static void engine() throws IOException {
        pot4j = Pot4j.builder().progress(ProgressListener.NONE).build();
        modelFile = TextMlpBackendProvider.write(dir.resolve("seed.tmlp"), 5, 6, 12, 3);
    }

    @AfterAll
    static void close() {
        pot4j.close();
    }

    /** Raw samples with no annotation and their index as metadata, as a user's data source. */
    private static Dataset raw(int n) {
        ArrayDataset inputs = ArrayDataset.generated("input", new long[] {6}, n, 21);
        return new Dataset() {
            @Override
            public int size() {
                return n;
            }

            @Override
            public Sample get(int index) {
                return new Sample(inputs.get(index).inputs(), null, Map.of("index", index));
            }

            @Override
            public String name() {
                return "raw";
            }
        };
    }

    /** The FP32 model's class per sample: labels every FP32 prediction matches, so any flip is a drop. */
    private static int[] fp32Labels(Model m, Dataset data) {
        int[] labels = new int[data.size()];
        try (CompiledModel c = m.compile(QuantizationPlan.EMPTY, Set.of())) {
            for (int i = 0; i < data.size(); i++) {
                float[] out = c.infer(Batches.stack(List.of(data.get(i)), m.inputs())).get("logits").floats();
                int best = 0;
                for (int k = 1; k < out.length; k++) {
                    best = out[k] > out[best] ? k : best;
                }
                labels[i] = best;
            }
        }
        return labels;
    }

    @Test
    void aDatasetTransformIsLazyAndRunsOncePerSamplePerPass() {
        int n = 37;
        AtomicIntegerArray calls = new AtomicIntegerArray(n);
        Dataset data = raw(n).map(s -> {
            int i = (Integer) s.metadata().get("index");
            calls.incrementAndGet(i);
            float[] x = s.inputs().get("input").floats().clone();
            for (int k = 0; k < x.length; k++) {
                x[k] *= 2; // the transform's effect must reach the model
            }
            return new Sample(Map.of("input", Tensor.ofFloats(new long[] {6}, x)), i % 3, s.metadata());
        });
        for (int i = 0; i < n; i++) {
            assertEquals(0, calls.get(i), "map() must not run the transform");
        }
        try (Model m = pot4j.loadModel(modelFile)) {
            Supplier<Metric> top1 = pot4j.metric("test_top1", Map.of());
            for (int pass = 1; pass <= 2; pass++) {
                pot4j.evaluate(m, QuantizationPlan.EMPTY, data, List.of(top1));
                for (int i = 0; i < n; i++) {
                    assertEquals(pass, calls.get(i), "sample " + i + " after " + pass + " parallel pass(es)");
                }
            }
            pot4j.evaluate(m, QuantizationPlan.EMPTY, data, List.of(top1), 4);
            for (int i = 0; i < n; i++) {
                assertEquals(3, calls.get(i), "sample " + i + " after a sequential pass");
            }
            // the transformed data is what the model sees: doubling the inputs changes the outputs
            float[] direct = outputOf(m, raw(n).get(0));
            float[] mapped = outputOf(m, data.get(0));
            assertFalse(java.util.Arrays.equals(direct, mapped));
            // and a mapped dataset is accepted where the API takes calibration data; quantizing reads
            // every sample the same number of times (its passes), each read running the transform once
            int[] before = new int[n];
            for (int i = 0; i < n; i++) {
                before[i] = calls.get(i);
            }
            QuantizationResult q = pot4j.quantize(m, data, Map.of("stat_subset_size", n));
            assertFalse(q.plan().isEmpty());
            int passes = calls.get(0) - before[0];
            assertTrue(passes >= 1, "the statistics pass reads the calibration data");
            for (int i = 0; i < n; i++) {
                assertEquals(passes, calls.get(i) - before[i], "sample " + i + " during quantize");
            }
        }
    }

    private static float[] outputOf(Model m, Sample s) {
        try (CompiledModel c = m.compile(QuantizationPlan.EMPTY, Set.of())) {
            return c.infer(Batches.stack(List.of(s), m.inputs())).get("logits").floats().clone();
        }
    }

    /** Records the metadata it is given, through POT's three-argument update. */
    static final class MetadataRecorder implements Metric {
        static final Set<Integer> SEEN = new ConcurrentSkipListSet<>();
        private double last;
        private double sum;
        private int count;

        @Override
        public Map<String, Double> value() {
            return Map.of("seen", last);
        }

        @Override
        public Map<String, Double> avgValue() {
            return Map.of("seen", count == 0 ? Double.NaN : sum / count);
        }

        @Override
        public void update(List<Tensor> outputs, Object annotation) {
            throw new AssertionError("the engine must call the three-argument update");
        }

        @Override
        public void update(List<Tensor> outputs, Object annotation, Map<String, Object> metadata) {
            SEEN.add((Integer) metadata.get("index"));
            last = 1;
            sum += 1;
            count++;
        }

        @Override
        public void reset() {
            sum = 0;
            count = 0;
        }

        @Override
        public Map<String, Map<String, String>> attributes() {
            return Map.of("seen", Map.of("direction", "higher-better", "type", "count"));
        }
    }

    @Test
    void sampleMetadataReachesTheMetricAndTwoArgumentMetricsStillWork() {
        int n = 23;
        Dataset data = raw(n).map(s -> new Sample(s.inputs(), 0, s.metadata()));
        try (Model m = pot4j.loadModel(modelFile)) {
            for (int batch : new int[] {0, 5}) { // parallel evaluator and sequential batches
                MetadataRecorder.SEEN.clear();
                Map<String, Double> v = pot4j.evaluate(m, QuantizationPlan.EMPTY, data,
                        List.of(MetadataRecorder::new, pot4j.metric("test_top1", Map.of())), batch);
                Set<Integer> all = new TreeSet<>();
                for (int i = 0; i < n; i++) {
                    all.add(i);
                }
                assertEquals(all, MetadataRecorder.SEEN, "batch size " + batch);
                assertEquals(1.0, v.get("seen"));
                assertTrue(v.containsKey("test_top1"), v.toString());
            }
        }
        // the default method of the API delegates to the two-argument form
        List<Object> got = new ArrayList<>();
        Metric twoArg = new Metric() {
            public Map<String, Double> value() {
                return Map.of();
            }

            public Map<String, Double> avgValue() {
                return Map.of();
            }

            public void update(List<Tensor> outputs, Object annotation) {
                got.add(annotation);
            }

            public void reset() {
            }

            public Map<String, Map<String, String>> attributes() {
                return Map.of();
            }
        };
        twoArg.update(List.of(), "label", Map.of("k", 1));
        assertEquals(List.of("label"), got);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> parameters(QuantizationResult r) {
        return (Map<String, Object>) r.report().get("parameters");
    }

    /** The seed's parameters among the effective ones (pot4j's own additions left out). */
    private static Map<String, Object> seedParameters(QuantizationResult r) {
        Map<String, Object> seed = new java.util.TreeMap<>(parameters(r));
        seed.keySet().retainAll(SEED_DEFAULTS.keySet());
        return seed;
    }

    /** NNCF's defaults (max_drop 0.01, drop_type ABSOLUTE) and POT's for the rest, as documented in the seeds. */
    /** The seed's defaults, plus pot4j's on_target_missed at its default (ranking is reported on its own). */
    static final Map<String, Object> SEED_DEFAULTS = Map.ofEntries(Map.entry("maximal_drop", 0.01),
            Map.entry("drop_type", "absolute"), Map.entry("ranking_subset_size", 300), Map.entry("max_iter_num", 30),
            Map.entry("use_prev_if_drop_increase", false), Map.entry("base_algorithm", "DefaultQuantization"),
            Map.entry("convert_to_mixed_preset", false), Map.entry("metric_subset_ratio", 0.5),
            Map.entry("on_target_missed", "best_effort"));

    @Test
    void nncfUsageExampleRunsWithTheDocumentedDefaults() {
        int n = 200;
        try (Model m = pot4j.loadModel(modelFile)) {
            int[] labels = fp32Labels(m, raw(n));
            // nncf.Dataset(data_source, transform_fn), then quantize_with_accuracy_control(model, calib, val, validate)
            Dataset calibration = raw(n).map(s -> s);
            Dataset validation = raw(n).map(s -> new Sample(s.inputs(), labels[(Integer) s.metadata().get("index")], s.metadata()));
            QuantizationResult r = pot4j.quantizeWithAccuracyControl(m, calibration, validation, pot4j.metric("test_top1", Map.of()));
            assertEquals(new java.util.TreeMap<>(SEED_DEFAULTS), seedParameters(r));
            assertEquals(Map.of(), r.report().get("base_parameters"), "nothing is added to DefaultQuantization's params");
            QuantizationResult viaFunction = pot4j.quantizeWithAccuracyControl(m, calibration, validation,
                    (compiled, data) -> 1.0);
            assertEquals(new java.util.TreeMap<>(SEED_DEFAULTS), seedParameters(viaFunction));
        }
    }

    @Test
    void accuracyControlMeetsATargetTheBaseAlgorithmMisses() {
        int n = 300;
        try (Model m = pot4j.loadModel(modelFile)) {
            int[] labels = fp32Labels(m, raw(n));
            Dataset data = raw(n).map(s -> new Sample(s.inputs(), labels[(Integer) s.metadata().get("index")], s.metadata()));
            Supplier<Metric> top1 = pot4j.metric("test_top1", Map.of());
            double maxDrop = 0.0;
            QuantizationResult r = pot4j.quantizeWithAccuracyControl(m, data, data, top1, maxDrop, "absolute");
            assertTrue((double) r.report().get("initial_drop") > maxDrop,
                    "the scenario needs DefaultQuantization to miss max_drop " + maxDrop + ": " + r.report().get("initial_drop"));
            assertEquals(QuantizationResult.Status.TARGET_MET, r.status(), r.report().get("stop_reason").toString());
            assertFalse(r.plan().fp32Nodes().isEmpty(), "meeting the target needs a revert");
            // measured independently of the algorithm
            double fp32 = pot4j.evaluate(m, QuantizationPlan.EMPTY, data, List.of(top1)).get("test_top1");
            double int8 = pot4j.evaluate(m, r.plan(), data, List.of(top1)).get("test_top1");
            assertEquals(1.0, fp32);
            assertTrue(fp32 - int8 <= maxDrop + 1e-9, "fp32 " + fp32 + " int8 " + int8);

            // out of reach (no revert allowed): BEST_EFFORT by default, NNCF's error when asked
            QuantizationResult best = pot4j.quantizeWithAccuracyControl(m, data, data, top1, maxDrop, "absolute",
                    Map.of("max_iter_num", 0));
            assertEquals(QuantizationResult.Status.BEST_EFFORT, best.status());
            AccuracyTargetMissedException e = assertThrows(AccuracyTargetMissedException.class,
                    () -> pot4j.quantizeWithAccuracyControl(m, data, data, top1, maxDrop, "absolute",
                            Map.of("max_iter_num", 0, "on_target_missed", "error")));
            assertEquals(ErrorCode.ACCURACY_TARGET_NOT_MET, e.code());
            assertTrue(e.getMessage().contains("maximal_drop 0.0") && e.getMessage().contains("on_target_missed"), e.getMessage());
            assertEquals(QuantizationResult.Status.BEST_EFFORT, e.bestResult().status());
            assertEquals(best.plan(), e.bestResult().plan());
            assertEquals("error", parameters(e.bestResult()).get("on_target_missed"));
        }
    }
}
