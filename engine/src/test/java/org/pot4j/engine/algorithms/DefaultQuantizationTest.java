package org.pot4j.engine.algorithms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.ProgressListener;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.model.BackendCapability;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.Model;
import org.pot4j.api.quant.QuantizationAlgorithmProvider;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.api.quant.QuantizationResult;
import org.pot4j.engine.algorithms.biascorrection.FastBiasCorrection;
import org.pot4j.engine.testing.ArrayDataset;
import org.pot4j.engine.testing.JavaMlpBackend;
import org.pot4j.engine.testing.JavaMlpModel;
import org.pot4j.engine.testing.RecordingProgress;
import org.pot4j.engine.testing.TestAlgorithmContext;

class DefaultQuantizationTest {
    /** Relative squared error of the output against FP32 on {@code data}. */
    private static double outputError(Model model, QuantizationPlan plan, Dataset data) {
        double err = 0;
        double norm = 0;
        try (CompiledModel fp = model.compile(QuantizationPlan.EMPTY, Set.of()); CompiledModel q = model.compile(plan, Set.of())) {
            for (int i = 0; i < data.size(); i++) {
                Map<String, Tensor> in = Map.of(model.inputs().get(0).name(),
                        data.get(i).inputs().values().iterator().next().withBatchDim());
                float[] a = fp.infer(in).get("logits").floats();
                float[] b = q.infer(in).get("logits").floats();
                for (int k = 0; k < a.length; k++) {
                    err += (a[k] - b[k]) * (a[k] - b[k]);
                    norm += (double) a[k] * a[k];
                }
            }
        }
        return err / norm;
    }

    private static QuantizationResult run(Model model, Map<String, Object> params, Dataset data) {
        return new DefaultQuantization().run(model, TestAlgorithmContext.of(params, data));
    }

    @Test
    void biasCorrectionBringsHeldOutOutputsCloserToFp32() {
        List<Object[]> cases = List.of(
                new Object[] {JavaMlpModel.tinyConv(1), "image", new long[] {2, 6, 6}},
                new Object[] {JavaMlpModel.tinyConv(2), "image", new long[] {2, 6, 6}},
                new Object[] {JavaMlpModel.mlp(2, 16, 32, 5), "input", new long[] {16}},
                new Object[] {JavaMlpModel.mlp(4, 16, 32, 5), "input", new long[] {16}});
        for (Object[] c : cases) {
            Model model = (Model) c[0];
            Dataset calibration = ArrayDataset.generated((String) c[1], (long[]) c[2], 300, 7);
            Dataset heldOut = ArrayDataset.generated((String) c[1], (long[]) c[2], 200, 1007);
            QuantizationResult withFbc = run(model, Map.of(), calibration);
            QuantizationResult minMaxOnly = new org.pot4j.engine.algorithms.minmax.MinMaxQuantization()
                    .run(model, TestAlgorithmContext.of(Map.of(), calibration));
            assertEquals(withFbc.plan().weights(), minMaxOnly.plan().weights());
            assertEquals(withFbc.plan().activations(), minMaxOnly.plan().activations());
            double corrected = outputError(model, withFbc.plan(), heldOut);
            double uncorrected = outputError(model, minMaxOnly.plan(), heldOut);
            assertTrue(corrected < uncorrected, model.quantizableNodes() + ": " + uncorrected + " -> " + corrected);
        }
    }

    @Test
    void onePassForAllFp32StatisticsAndOneOnTheQuantizedModel() {
        JavaMlpModel model = JavaMlpModel.tinyConv(3);
        RecordingProgress progress = new RecordingProgress();
        QuantizationResult r = new DefaultQuantization().run(model, TestAlgorithmContext.of(Map.of("stat_subset_size", 40),
                ArrayDataset.generated("image", new long[] {2, 6, 6}, 100, 1), new JavaMlpBackend(), progress));
        assertEquals(2, model.compileCount());
        assertEquals(80, model.rowCount());
        assertEquals(List.of("start statistics 40", "start bias correction 40"),
                progress.events().stream().filter(e -> e.startsWith("start")).toList());
        Map<String, Object> rep = r.report();
        // MinMax's tensors (image, flat) and FBC's conv outputs (conv1_out, logits) in the same pass
        assertEquals(4, rep.get("statistics_tensors"));
        assertEquals(2, rep.get("quantized_nodes"));
        assertEquals(2, rep.get("activation_quantizers"));
        assertEquals(2, rep.get("bias_shifts_applied"));
        assertEquals(0, rep.get("bias_shifts_skipped"));
        assertTrue(rep.containsKey("statistics_seconds") && rep.containsKey("bias_correction_seconds") && rep.containsKey("seconds"));
        QuantizationPlan plan = r.plan();
        assertEquals("DefaultQuantization", plan.metadata().get("algorithm"));
        assertEquals("performance", plan.metadata().get("preset"));
        assertEquals("2", plan.metadata().get("bias_shifts_applied"));
    }

    @Test
    void acceptsEveryPotParameterAndTheirSpellings() {
        assertTrue(new DefaultQuantization().parameterNames().containsAll(Set.of("target_device", "preset", "stat_subset_size",
                "stat_batch_size", "shuffle_data", "seed", "ignored", "ignored_scope", "model_type", "activations", "weights",
                "range_estimator", "use_fast_bias", "fast_bias_threshold", "threshold", "apply_for_all_nodes", "inplace_statistics")));
        Map<String, Object> params = new HashMap<>();
        params.put("target_device", "CPU");
        params.put("preset", "mixed");
        params.put("stat_subset_size", 64);
        params.put("stat_batch_size", 8);
        params.put("shuffle_data", true);
        params.put("seed", 3);
        params.put("ignored", Map.of("scope", List.of()));
        params.put("model_type", null);
        params.put("activations", Map.of("bits", 8, "mode", "asymmetric", "granularity", "pertensor",
                "range_estimator", Map.of("preset", "quantile", "max", Map.of("aggregator", "mean", "type", "quantile", "outlier_prob", 1e-3))));
        params.put("weights", Map.of("bits", 8, "mode", "symmetric", "granularity", "perchannel",
                "range_estimator", Map.of("max", Map.of("type", "abs_max"))));
        params.put("use_fast_bias", true);
        params.put("fast_bias_threshold", 2.0);
        params.put("apply_for_all_nodes", false);
        params.put("inplace_statistics", true);
        JavaMlpModel model = JavaMlpModel.mlp(1, 8, 12, 4);
        QuantizationResult r = run(model, params, ArrayDataset.generated("input", new long[] {8}, 200, 1));
        assertEquals(64, r.report().get("statistics_samples"));
        assertEquals("CPU", r.plan().metadata().get("target_device"));
        assertEquals("mixed", r.plan().metadata().get("preset"));
        assertEquals(8 * 8, model.rowCount() / 2, "64 samples in batches of 8, twice");
    }

    @Test
    void sequentialCorrectionWhenUseFastBiasIsFalse() {
        JavaMlpModel model = JavaMlpModel.mlp(2, 8, 12, 4);
        QuantizationResult r = run(model, Map.of("use_fast_bias", false), ArrayDataset.generated("input", new long[] {8}, 50, 1));
        assertTrue(r.report().get("bias_correction").toString().startsWith("sequential (threshold 1000"), r.report().toString());
        assertEquals(1 + 2, model.compileCount(), "FP32 pass + one quantized pass per node");
        assertEquals(2, r.plan().biasShifts().size());
    }

    @Test
    void noShiftsWhenTheBackendCannotApplyThem() {
        JavaMlpModel model = JavaMlpModel.mlp(2, 8, 12, 4);
        QuantizationResult r = new DefaultQuantization().run(model, TestAlgorithmContext.of(Map.of(),
                ArrayDataset.generated("input", new long[] {8}, 50, 1), JavaMlpBackend.without(BackendCapability.BIAS_CORRECTION),
                ProgressListener.NONE));
        assertTrue(r.plan().biasShifts().isEmpty());
        assertEquals(1, model.compileCount());
        assertTrue(r.report().get("bias_correction").toString().startsWith("off"));
    }

    @Test
    void badInputGivesOneClearError() {
        JavaMlpModel model = JavaMlpModel.mlp(2, 4, 6, 3);
        List<float[]> samples = new ArrayList<>(List.of(new float[] {1, 2, 3, 4}, new float[] {0, Float.POSITIVE_INFINITY, 0, 0}));
        Pot4jException inf = assertThrows(Pot4jException.class, () -> run(model, Map.of(), ArrayDataset.of("input", new long[] {4}, samples)));
        assertEquals(ErrorCode.DATA_NOT_FINITE, inf.code());
        Pot4jException empty = assertThrows(Pot4jException.class, () -> run(model, Map.of(), ArrayDataset.of("input", new long[] {4}, List.of())));
        assertEquals(ErrorCode.DATASET_EMPTY, empty.code());
        Pot4jException threshold = assertThrows(Pot4jException.class,
                () -> run(model, Map.of("threshold", 2.0, "fast_bias_threshold", 3.0), ArrayDataset.generated("input", new long[] {4}, 5, 1)));
        assertEquals(ErrorCode.CONFIG_INVALID, threshold.code());
        Pot4jException all = assertThrows(Pot4jException.class,
                () -> run(model, Map.of("apply_for_all_nodes", true), ArrayDataset.generated("input", new long[] {4}, 5, 1)));
        assertEquals(ErrorCode.CONFIG_INVALID, all.code());
        Pot4jException unknown = assertThrows(Pot4jException.class,
                () -> run(model, Map.of("maximal_drop", 0.01), ArrayDataset.generated("input", new long[] {4}, 5, 1)));
        assertEquals(ErrorCode.CONFIG_UNKNOWN_KEY, unknown.code());
    }

    @Test
    void standaloneFastBiasCorrectionEqualsDefaultQuantization() {
        Dataset data = ArrayDataset.generated("input", new long[] {8}, 60, 1);
        QuantizationPlan fbc = new FastBiasCorrection().run(JavaMlpModel.mlp(2, 8, 12, 4), TestAlgorithmContext.of(Map.of("threshold", 2.0), data)).plan();
        QuantizationPlan dq = run(JavaMlpModel.mlp(2, 8, 12, 4), Map.of(), data).plan();
        assertEquals(dq.biasShifts().keySet(), fbc.biasShifts().keySet());
        assertEquals(dq.activations(), fbc.activations());
        assertEquals("FastBiasCorrection", fbc.metadata().get("algorithm"));
    }

    @Test
    void providersAreRegisteredWithServiceLoader() {
        Set<String> names = new java.util.HashSet<>();
        var it = ServiceLoader.load(QuantizationAlgorithmProvider.class).iterator();
        while (it.hasNext()) {
            QuantizationAlgorithmProvider p;
            try {
                p = it.next();
            } catch (java.util.ServiceConfigurationError e) {
                continue; // another team's provider that is not built in this test's class path
            }
            names.add(p.name());
            assertEquals(p.name(), p.create().name());
        }
        assertTrue(names.containsAll(Set.of("MinMaxQuantization", "FastBiasCorrection", "DefaultQuantization")), names.toString());
    }
}
