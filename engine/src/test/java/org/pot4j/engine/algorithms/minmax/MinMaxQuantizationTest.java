package org.pot4j.engine.algorithms.minmax;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.ProgressListener;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.model.BackendCapability;
import org.pot4j.api.quant.ActivationQuantizer;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.api.quant.QuantizationResult;
import org.pot4j.api.quant.WeightQuantizer;
import org.pot4j.engine.testing.ArrayDataset;
import org.pot4j.engine.testing.JavaMlpBackend;
import org.pot4j.engine.testing.JavaMlpModel;
import org.pot4j.engine.testing.RecordingProgress;
import org.pot4j.engine.testing.TestAlgorithmContext;

class MinMaxQuantizationTest {
    /** Three samples whose per-sample statistics are easy to compute by hand (see each test). */
    private static final List<float[]> HAND = List.of(
            new float[] {-1, 2, 3, 0},
            new float[] {-4, 1, 1, 6},
            new float[] {0, 0.5f, 2, 1});

    private static Dataset handData() {
        return ArrayDataset.of("input", new long[] {4}, HAND);
    }

    private static QuantizationPlan plan(JavaMlpModel model, Map<String, Object> params, Dataset data) {
        return new MinMaxQuantization().run(model, TestAlgorithmContext.of(params, data)).plan();
    }

    private static ActivationQuantizer inputQuantizer(Map<String, Object> params) {
        return plan(JavaMlpModel.mlp(1, 4, 6, 3), params, handData()).activations().get("input");
    }

    /** numpy.quantile with linear interpolation, written out for the hand-computed expectations. */
    private static double npQuantile(float[] v, double q) {
        float[] s = v.clone();
        Arrays.sort(s);
        double pos = q * (s.length - 1);
        int lo = (int) Math.floor(pos);
        return lo + 1 < s.length ? s[lo] + (pos - lo) * (s[lo + 1] - s[lo]) : s[lo];
    }

    @Test
    void performanceDefaultIsMeanOfPerSampleAbsMax() {
        // per-sample |max| 3, 6, 2 -> mean 11/3; global min -4 < 0 -> signed int8
        ActivationQuantizer q = inputQuantizer(Map.of());
        assertTrue(q.signed());
        assertEquals(0, q.zeroPoint());
        assertEquals((float) (11.0 / 3 / 127), q.scale(), 1e-7);
    }

    @Test
    void minMaxShortcutUsesGlobalExtremes() {
        ActivationQuantizer q = inputQuantizer(Map.of("range_estimator", "min_max"));
        assertEquals(6f / 127, q.scale(), 1e-7);
        ActivationQuantizer mixed = inputQuantizer(Map.of("preset", "mixed", "range_estimator", "min_max"));
        // [-4, 6] -> scale 10/255, zero point 4/scale = 102
        assertFalse(mixed.signed());
        assertEquals(10f / 255, mixed.scale(), 1e-7);
        assertEquals(102, mixed.zeroPoint());
    }

    @Test
    void mixedDefaultIsMeanOfPerSampleMinAndMax() {
        // per-sample min -1, -4, 0 -> mean -5/3; max 3, 6, 2 -> mean 11/3
        ActivationQuantizer q = inputQuantizer(Map.of("preset", "mixed"));
        double scale = (11.0 / 3 + 5.0 / 3) / 255;
        assertFalse(q.signed());
        assertEquals((float) scale, q.scale(), 1e-7);
        assertEquals(Math.round(5.0 / 3 / scale), q.zeroPoint());
        assertEquals(q, inputQuantizer(Map.of("preset", "mixed", "range_estimator", "mean_min_max")));
    }

    @Test
    void quantileEstimatorAveragesPerSampleQuantiles() {
        double lo = 0;
        double hi = 0;
        for (float[] s : HAND) {
            lo += npQuantile(s, 1e-4) / HAND.size();
            hi += npQuantile(s, 1 - 1e-4) / HAND.size();
        }
        double scale = (hi - lo) / 255;
        ActivationQuantizer mixed = inputQuantizer(Map.of("preset", "mixed", "range_estimator", "quantile"));
        assertEquals((float) scale, mixed.scale(), 1e-6);
        assertEquals(Math.round(-lo / scale), mixed.zeroPoint());
        // POT map spelling gives the same quantizer
        assertEquals(mixed, inputQuantizer(Map.of("preset", "mixed", "activations", Map.of("range_estimator", Map.of("preset", "quantile")))));

        double absHi = 0;
        for (float[] s : HAND) {
            float[] abs = new float[s.length];
            for (int i = 0; i < s.length; i++) {
                abs[i] = Math.abs(s[i]);
            }
            absHi += npQuantile(abs, 1 - 1e-4) / HAND.size();
        }
        assertEquals((float) (absHi / 127), inputQuantizer(Map.of("range_estimator", "quantile")).scale(), 1e-6);
    }

    @Test
    void explicitMinAndMaxStatisticsOverrideThePreset() {
        Map<String, Object> params = Map.of("preset", "mixed", "activations", Map.of("range_estimator",
                Map.of("min", Map.of("type", "min", "aggregator", "min"), "max", Map.of("type", "quantile", "aggregator", "max", "outlier_prob", 0.25))));
        double hi = Math.max(npQuantile(HAND.get(0), 0.75), Math.max(npQuantile(HAND.get(1), 0.75), npQuantile(HAND.get(2), 0.75)));
        ActivationQuantizer q = inputQuantizer(params);
        assertEquals((float) ((hi + 4) / 255), q.scale(), 1e-6);
    }

    @Test
    void reluOutputsAreUnsignedInBothPresetsAndSignedInputsFollowThePreset() {
        Dataset data = ArrayDataset.generated("input", new long[] {8}, 64, 3);
        for (String preset : List.of("performance", "mixed")) {
            QuantizationPlan p = plan(JavaMlpModel.mlp(2, 8, 16, 4), Map.of("preset", preset), data);
            ActivationQuantizer relu = p.activations().get("relu1");
            assertFalse(relu.signed(), preset);
            assertEquals(0, relu.zeroPoint(), preset);
            ActivationQuantizer in = p.activations().get("input");
            if (preset.equals("performance")) {
                assertTrue(in.signed());
                assertEquals(0, in.zeroPoint());
            } else {
                assertFalse(in.signed());
                assertTrue(in.zeroPoint() > 0 && in.zeroPoint() < 255, "zero point " + in.zeroPoint());
            }
            assertEquals(preset, p.metadata().get("preset"));
            assertEquals("MinMaxQuantization", p.metadata().get("algorithm"));
        }
    }

    @Test
    void weightsArePerChannelWhenTheBackendCanAndPerTensorOtherwise() {
        JavaMlpModel model = JavaMlpModel.mlp(4, 5, 7, 3);
        Dataset data = ArrayDataset.generated("input", new long[] {5}, 20, 1);
        QuantizationPlan p = plan(model, Map.of(), data);
        WeightQuantizer fc1 = p.weights().get("fc1");
        assertEquals(0, fc1.axis());
        float[] w = model.weight(model.quantizableNodes().get(0)).floats();
        float[] expected = new float[7];
        for (int o = 0; o < 7; o++) {
            for (int i = 0; i < 5; i++) {
                expected[o] = Math.max(expected[o], Math.abs(w[o * 5 + i]) / 127);
            }
        }
        assertArrayEquals(expected, fc1.scales(), 1e-8f);
        assertEquals(2, p.weights().size());

        QuantizationPlan perTensor = new MinMaxQuantization().run(model, TestAlgorithmContext.of(Map.of(), data,
                JavaMlpBackend.without(BackendCapability.PER_CHANNEL_WEIGHTS), ProgressListener.NONE)).plan();
        assertEquals(-1, perTensor.weights().get("fc1").axis());
        assertEquals(1, perTensor.weights().get("fc1").scales().length);
        QuantizationPlan byParam = plan(model, Map.of("weights", Map.of("granularity", "pertensor")), data);
        assertEquals(perTensor.weights(), byParam.weights());
    }

    @Test
    void ignoredScopeByNameTypeAndRegexKeepsNodesInFp32() {
        JavaMlpModel conv = JavaMlpModel.tinyConv(5);
        Dataset data = ArrayDataset.generated("image", new long[] {2, 6, 6}, 16, 2);

        QuantizationPlan byName = plan(conv, Map.of("ignored", Map.of("scope", List.of("fc"))), data);
        assertEquals(Set.of("fc"), byName.fp32Nodes());
        assertEquals(Set.of("conv1"), byName.weights().keySet());
        assertEquals(Set.of("image"), byName.activations().keySet()); // fc's input 'flat' gets no quantizer

        QuantizationPlan byType = plan(conv, Map.of("ignored", Map.of("operations", List.of(Map.of("type", "Conv")))), data);
        assertEquals(Set.of("conv1"), byType.fp32Nodes());
        assertEquals(Set.of("flat"), byType.activations().keySet());

        QuantizationPlan byRegex = plan(conv, Map.of("ignored_scope", Map.of("patterns", List.of("conv"))), data);
        assertEquals(Set.of("conv1"), byRegex.fp32Nodes());
        QuantizationPlan byNncfTypes = plan(conv, Map.of("ignored_scope", Map.of("types", List.of("gemm"))), data);
        assertEquals(Set.of("fc"), byNncfTypes.fp32Nodes());
        QuantizationPlan byList = plan(conv, Map.of("ignored_scope", List.of("conv1")), data);
        assertEquals(Set.of("conv1"), byList.fp32Nodes());
    }

    @Test
    void ignoredScopeThatMatchesNothingIsAnErrorUnlessValidationIsOff() {
        JavaMlpModel conv = JavaMlpModel.tinyConv(5);
        Dataset data = ArrayDataset.generated("image", new long[] {2, 6, 6}, 4, 2);
        Pot4jException e = assertThrows(Pot4jException.class, () -> plan(conv, Map.of("ignored", Map.of("scope", List.of("fc9"))), data));
        assertEquals(ErrorCode.CONFIG_INVALID, e.code());
        assertTrue(e.getMessage().contains("fc9") && e.getMessage().contains("conv1"), e.getMessage());
        assertEquals(Set.of(), plan(conv, Map.of("ignored_scope", Map.of("names", List.of("fc9"), "validate", false)), data).fp32Nodes());

        Pot4jException all = assertThrows(Pot4jException.class, () -> plan(conv, Map.of("ignored_scope", Map.of("patterns", List.of(".*"))), data));
        assertEquals(ErrorCode.NO_QUANTIZABLE_NODES, all.code());
        assertTrue(all.getMessage().contains("java-mlp"), all.getMessage());
    }

    @Test
    void modelWithoutQuantizableNodesIsRejectedNamingTheModel() {
        JavaMlpModel reluOnly = JavaMlpModel.builder("input", -1, 4).relu("input", "out").output("out").build();
        Pot4jException e = assertThrows(Pot4jException.class, () -> plan(reluOnly, Map.of(), handData()));
        assertEquals(ErrorCode.NO_QUANTIZABLE_NODES, e.code());
        assertTrue(e.getMessage().contains("java-mlp"), e.getMessage());
    }

    /** input -> fc1 -> add(fc1_out, input) -> softmax -> fc2: a transformer block in miniature. */
    private static JavaMlpModel block() {
        Random r = new Random(8);
        return JavaMlpModel.builder("input", -1, 6)
                .linear("fc1", "input", "fc1_out", JavaMlpModel.randomMatrix(r, 6, 6, 0.5), JavaMlpModel.randomVector(r, 6, 0.2))
                .add("residual", "fc1_out", "input", "sum")
                .softmax("softmax", "sum", "probs")
                .linear("fc2", "probs", "logits", JavaMlpModel.randomMatrix(r, 3, 6, 0.5), JavaMlpModel.randomVector(r, 3, 0.2))
                .output("logits")
                .build();
    }

    @Test
    void transformerModeKeepsAddAndSoftmaxInputsUnquantizedButQuantizesWeightedLayers() {
        Dataset data = ArrayDataset.generated("input", new long[] {6}, 32, 4);
        QuantizationPlan plain = plan(block(), Map.of(), data);
        assertEquals(Set.of("input", "fc1_out", "sum", "probs"), plain.activations().keySet());
        assertTrue(plain.fp32Nodes().isEmpty());

        QuantizationPlan transformer = plan(block(), Map.of("model_type", "transformer"), data);
        assertEquals(Set.of("residual", "softmax"), transformer.fp32Nodes());
        assertEquals(Set.of("fc1", "fc2"), transformer.weights().keySet());
        // the residual's own input fc1_out and the softmax input stay FP32; shared 'input' keeps fc1's quantizer
        assertEquals(Set.of("input", "probs"), transformer.activations().keySet());
        assertEquals("transformer", transformer.metadata().get("model_type"));
    }

    @Test
    void ignoredKindsKeepNodesOfThatNeutralKindInFp32() {
        Dataset data = ArrayDataset.generated("input", new long[] {6}, 32, 4);
        QuantizationPlan plan = plan(block(), Map.of("ignored_scope", Map.of("kinds", List.of("add", "Softmax"))), data);
        assertEquals(Set.of("residual", "softmax"), plan.fp32Nodes());
        assertEquals(Set.of("fc1", "fc2"), plan.weights().keySet());
        Pot4jException typo = assertThrows(Pot4jException.class,
                () -> plan(block(), Map.of("ignored_scope", Map.of("kinds", List.of("softmx"))), data));
        assertEquals(ErrorCode.CONFIG_INVALID, typo.code());
        assertTrue(typo.getMessage().contains("did you mean 'softmax'"), typo.getMessage());
    }

    @Test
    void aTensorSharedByNodesGetsOneQuantizer() {
        Random r = new Random(3);
        JavaMlpModel twoHeads = JavaMlpModel.builder("input", -1, 4)
                .linear("a", "input", "a_out", JavaMlpModel.randomMatrix(r, 3, 4, 1), JavaMlpModel.randomVector(r, 3, 1))
                .linear("b", "input", "b_out", JavaMlpModel.randomMatrix(r, 3, 4, 1), JavaMlpModel.randomVector(r, 3, 1))
                .add("sum", "a_out", "b_out", "out")
                .output("out").build();
        QuantizationResult res = new MinMaxQuantization().run(twoHeads, TestAlgorithmContext.of(Map.of(), handData()));
        assertEquals(Set.of("input", "a_out", "b_out"), res.plan().activations().keySet());
        assertEquals(3, res.report().get("activation_quantizers"));
        assertEquals(3, res.report().get("quantized_nodes"));
    }

    @Test
    void allZeroActivationsGetAPositiveScale() {
        Dataset zeros = ArrayDataset.of("input", new long[] {4}, List.of(new float[4], new float[4]));
        for (String preset : List.of("performance", "mixed")) {
            QuantizationPlan p = plan(JavaMlpModel.mlp(1, 4, 6, 3), Map.of("preset", preset), zeros);
            for (ActivationQuantizer q : p.activations().values()) {
                assertTrue(q.scale() > 0 && Float.isFinite(q.scale()), preset + " " + q);
            }
        }
    }

    @Test
    void anOverflowingFp32ModelIsReportedNamingTheTensor() {
        float[][] huge = {{1e30f, 1e30f}};
        JavaMlpModel model = JavaMlpModel.builder("input", -1, 2)
                .linear("big", "input", "big_out", huge, new float[] {1})
                .relu("big_out", "r")
                .linear("fc", "r", "out", new float[][] {{1f}}, new float[] {1})
                .output("out").build();
        Dataset data = ArrayDataset.of("input", new long[] {2}, List.of(new float[] {1e10f, 1e10f}));
        Pot4jException e = assertThrows(Pot4jException.class, () -> plan(model, Map.of(), data));
        assertEquals(ErrorCode.DATA_NOT_FINITE, e.code());
        assertTrue(e.getMessage().contains("'r'"), e.getMessage());
    }

    @Test
    void mixedFallsBackToSymmetricWithoutAsymmetricSupport() {
        QuantizationPlan p = new MinMaxQuantization().run(JavaMlpModel.mlp(1, 4, 6, 3), TestAlgorithmContext.of(Map.of("preset", "mixed"),
                handData(), JavaMlpBackend.without(BackendCapability.ASYMMETRIC_ACTIVATIONS), ProgressListener.NONE)).plan();
        assertTrue(p.activations().get("input").signed());
        p.activations().values().forEach(q -> assertEquals(0, q.zeroPoint()));
    }

    @Test
    void withoutActivationQuantizationOnlyWeightsAreQuantizedAndNoDataIsRead() {
        JavaMlpModel model = JavaMlpModel.mlp(1, 4, 6, 3);
        QuantizationPlan p = new MinMaxQuantization().run(model, TestAlgorithmContext.of(Map.of(), handData(),
                JavaMlpBackend.without(BackendCapability.ACTIVATION_QUANTIZATION), ProgressListener.NONE)).plan();
        assertTrue(p.activations().isEmpty());
        assertEquals(2, p.weights().size());
        assertEquals(0, model.compileCount());
    }

    @Test
    void statisticsRunOnceOverTheSubsetWithProgress() {
        JavaMlpModel model = JavaMlpModel.mlp(1, 4, 6, 3);
        RecordingProgress progress = new RecordingProgress();
        QuantizationResult r = new MinMaxQuantization().run(model, TestAlgorithmContext.of(Map.of("stat_subset_size", 50),
                ArrayDataset.generated("input", new long[] {4}, 500, 1), new JavaMlpBackend(), progress));
        assertEquals(1, model.compileCount());
        assertEquals(50, model.rowCount());
        assertEquals(50, r.report().get("statistics_samples"));
        assertTrue(progress.events().contains("start statistics 50"), progress.events().toString());
    }

    @Test
    void badParametersAreRejectedWithTheKeyInTheMessage() {
        JavaMlpModel model = JavaMlpModel.mlp(1, 4, 6, 3);
        Pot4jException unknown = assertThrows(Pot4jException.class, () -> plan(model, Map.of("presett", "mixed"), handData()));
        assertEquals(ErrorCode.CONFIG_UNKNOWN_KEY, unknown.code());
        assertTrue(unknown.getMessage().contains("presett") && unknown.getMessage().contains("preset"));
        Pot4jException preset = assertThrows(Pot4jException.class, () -> plan(model, Map.of("preset", "fast"), handData()));
        assertEquals(ErrorCode.CONFIG_INVALID, preset.code());
        Pot4jException nested = assertThrows(Pot4jException.class,
                () -> plan(model, Map.of("activations", Map.of("range_estimator", Map.of("max", Map.of("aggregator", "median")))), handData()));
        assertEquals(ErrorCode.CONFIG_INVALID, nested.code());
        assertTrue(nested.getMessage().contains("median"), nested.getMessage());
        Pot4jException nestedKey = assertThrows(Pot4jException.class,
                () -> plan(model, Map.of("weights", Map.of("bitz", 8)), handData()));
        assertEquals(ErrorCode.CONFIG_UNKNOWN_KEY, nestedKey.code());
        Pot4jException subset = assertThrows(Pot4jException.class, () -> plan(model, Map.of("stat_subset_size", 0), handData()));
        assertEquals(ErrorCode.CONFIG_INVALID, subset.code());
    }

    @Test
    void quantizedModelStaysCloseToFp32() {
        JavaMlpModel model = JavaMlpModel.mlp(11, 16, 32, 5);
        Dataset data = ArrayDataset.generated("input", new long[] {16}, 100, 9);
        QuantizationPlan p = plan(model, Map.of(), data);
        try (var fp = model.compile(QuantizationPlan.EMPTY, Set.of()); var q = model.compile(p, Set.of())) {
            double err = 0;
            double norm = 0;
            for (int i = 0; i < 20; i++) {
                Map<String, Tensor> in = Map.of("input", data.get(i).inputs().get("input").withBatchDim());
                float[] a = fp.infer(in).get("logits").floats();
                float[] b = q.infer(in).get("logits").floats();
                for (int k = 0; k < a.length; k++) {
                    err += (a[k] - b[k]) * (a[k] - b[k]);
                    norm += a[k] * a[k];
                }
            }
            assertTrue(err / norm < 2e-2, "relative error " + err / norm); // ~22 dB SQNR with the clipping default estimator
            assertNotEquals(0.0, err);
        }
    }
}
