package org.pot4j.engine.algorithms.biascorrection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.pot4j.api.ProgressListener;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.Model;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.engine.algorithms.minmax.MinMaxQuantization;
import org.pot4j.engine.statistics.CollectionOptions;
import org.pot4j.engine.statistics.StatisticsCollector;
import org.pot4j.engine.testing.ArrayDataset;
import org.pot4j.engine.testing.JavaMlpModel;
import org.pot4j.engine.testing.TestAlgorithmContext;

class BiasCorrectorTest {
    private static final CollectionOptions OPTIONS = CollectionOptions.firstSamples(300);

    /** Per-channel means of {@code tensor} over {@code data} under {@code plan}, computed sample by sample. */
    static double[] means(Model model, QuantizationPlan plan, Dataset data, String tensor) {
        double[] sums = null;
        long count = 0;
        try (CompiledModel c = model.compile(plan, Set.of(tensor))) {
            for (int i = 0; i < data.size(); i++) {
                Tensor in = data.get(i).inputs().values().iterator().next().withBatchDim();
                Tensor out = c.infer(Map.of(model.inputs().get(0).name(), in)).get(tensor);
                int channels = (int) out.dim(1);
                float[] v = out.floats();
                int per = v.length / channels;
                if (sums == null) {
                    sums = new double[channels];
                }
                for (int ch = 0; ch < channels; ch++) {
                    for (int j = 0; j < per; j++) {
                        sums[ch] += v[ch * per + j];
                    }
                }
                count += per;
            }
        }
        for (int ch = 0; ch < sums.length; ch++) {
            sums[ch] /= count;
        }
        return sums;
    }

    static double meanError(double[] a, double[] b) {
        double e = 0;
        for (int i = 0; i < a.length; i++) {
            e += Math.abs(a[i] - b[i]);
        }
        return e;
    }

    private static QuantizationPlan minMax(Model model, Dataset data, Map<String, Object> params) {
        return new MinMaxQuantization().run(model, TestAlgorithmContext.of(params, data)).plan();
    }

    private static BiasCorrector corrector(Model model, Dataset data, double threshold) {
        return new BiasCorrector(model, data, OPTIONS, new BiasCorrectionParameters(threshold), new StatisticsCollector(), ProgressListener.NONE);
    }

    @Test
    void shiftsReduceTheMeanOutputErrorOfEveryCorrectedLayer() {
        for (long seed = 1; seed <= 3; seed++) {
            JavaMlpModel model = JavaMlpModel.mlp(seed, 16, 32, 5);
            Dataset data = ArrayDataset.generated("input", new long[] {16}, 300, seed);
            QuantizationPlan base = minMax(model, data, Map.of());
            BiasCorrectionOutcome outcome = corrector(model, data, 2.0).correct(base);
            assertEquals(List.of("fc1", "fc2"), outcome.appliedNodes());
            assertEquals(Set.of("fc1", "fc2"), outcome.plan().biasShifts().keySet());
            assertEquals(5, outcome.plan().biasShifts().get("fc2").length);

            double[] fpHidden = means(model, QuantizationPlan.EMPTY, data, "fc1_out");
            // fc1 sees FP32-quantized inputs only, so its own error is removed exactly
            assertTrue(meanError(fpHidden, means(model, outcome.plan(), data, "fc1_out")) < 1e-4);
            double[] fp = means(model, QuantizationPlan.EMPTY, data, "logits");
            double before = meanError(fp, means(model, base, data, "logits"));
            double after = meanError(fp, means(model, outcome.plan(), data, "logits"));
            assertTrue(after < 0.7 * before, "seed " + seed + ": mean error " + before + " -> " + after);
        }
    }

    @Test
    void ownErrorsCorrectALinearChainWithoutCountingUpstreamErrorsTwice() {
        Random r = new Random(21);
        JavaMlpModel chain = JavaMlpModel.builder("input", -1, 12)
                .linear("fc1", "input", "h", JavaMlpModel.randomMatrix(r, 16, 12, 0.5), JavaMlpModel.randomVector(r, 16, 0.5))
                .linear("fc2", "h", "h2", JavaMlpModel.randomMatrix(r, 16, 16, 0.5), JavaMlpModel.randomVector(r, 16, 0.5))
                .linear("fc3", "h2", "out", JavaMlpModel.randomMatrix(r, 6, 16, 0.5), JavaMlpModel.randomVector(r, 6, 0.5))
                .output("out").build();
        Dataset data = ArrayDataset.generated("input", new long[] {12}, 300, 4);
        QuantizationPlan base = minMax(chain, data, Map.of("weights", Map.of("bits", 5)));
        BiasCorrectionOutcome o = corrector(chain, data, 1e9).correct(base);
        assertEquals(List.of("fc1", "fc2", "fc3"), o.appliedNodes());
        double[] fp = means(chain, QuantizationPlan.EMPTY, data, "out");
        double before = meanError(fp, means(chain, base, data, "out"));
        double after = meanError(fp, means(chain, o.plan(), data, "out"));
        // every layer is linear, so removing each layer's own error leaves little: what remains is
        // how the input quantizers' rounding and clipping change once the inputs are corrected
        assertTrue(after < 0.15 * before, "mean error " + before + " -> " + after);

        // shifting each layer by its total error (fp - q in the quantized model) counts the
        // upstream layers' errors a second time and overshoots
        QuantizationPlan.Builder total = base.toBuilder();
        for (String[] layer : new String[][] {{"fc1", "h"}, {"fc2", "h2"}, {"fc3", "out"}}) {
            double[] f = means(chain, QuantizationPlan.EMPTY, data, layer[1]);
            double[] q = means(chain, base, data, layer[1]);
            float[] shift = new float[f.length];
            for (int c = 0; c < f.length; c++) {
                shift[c] = (float) (f[c] - q[c]);
            }
            total.biasShift(layer[0], shift);
        }
        double overshoot = meanError(fp, means(chain, total.build(), data, "out"));
        assertTrue(after < 0.5 * overshoot, "own errors " + after + ", total errors " + overshoot);
    }

    @Test
    void sequentialCorrectionRemovesTheCalibrationMeanErrorExactly() {
        JavaMlpModel model = JavaMlpModel.mlp(2, 16, 32, 5);
        Dataset data = ArrayDataset.generated("input", new long[] {16}, 300, 2);
        QuantizationPlan base = minMax(model, data, Map.of());
        BiasCorrector c = corrector(model, data, 1000);
        double[] fp = means(model, QuantizationPlan.EMPTY, data, "logits");
        double fast = meanError(fp, means(model, c.correct(base).plan(), data, "logits"));
        int compiles = model.compileCount();
        double sequential = meanError(fp, means(model, c.correctSequentially(base).plan(), data, "logits"));
        assertEquals(2 + 1, model.compileCount() - compiles, "one quantized pass per corrected node (+1 for the check)");
        assertTrue(sequential < 1e-5 && sequential < fast, "fast " + fast + ", sequential " + sequential);
    }

    @Test
    void thresholdSkipsShiftsThatWouldBlowUpASmallBias() {
        Random r = new Random(5);
        float[] tinyBias = new float[5];
        java.util.Arrays.fill(tinyBias, 1e-4f);
        JavaMlpModel model = JavaMlpModel.builder("input", -1, 8)
                .linear("fc1", "input", "h", JavaMlpModel.randomMatrix(r, 5, 8, 0.5), tinyBias)
                .relu("h", "hr")
                .linear("fc2", "hr", "out", JavaMlpModel.randomMatrix(r, 3, 5, 0.5), JavaMlpModel.randomVector(r, 3, 1.0))
                .output("out").build();
        Dataset data = ArrayDataset.generated("input", new long[] {8}, 100, 1);
        QuantizationPlan base = minMax(model, data, Map.of("weights", Map.of("bits", 4)));

        BiasCorrectionOutcome strict = corrector(model, data, 2.0).correct(base);
        assertFalse(strict.plan().biasShifts().containsKey("fc1"));
        assertTrue(strict.skipped().get("fc1").contains("threshold"), strict.skipped().toString());

        BiasCorrectionOutcome loose = corrector(model, data, 1e9).correct(base);
        assertTrue(loose.plan().biasShifts().containsKey("fc1"));
        assertTrue(loose.applied().get("fc1") >= 2.0, "magnitude " + loose.applied().get("fc1"));
    }

    @Test
    void aBiasWithZerosIsNeverShiftedAsInNncf() {
        Random r = new Random(6);
        float[] bias = JavaMlpModel.randomVector(r, 4, 1.0);
        bias[2] = 0;
        JavaMlpModel model = JavaMlpModel.builder("input", -1, 6)
                .linear("fc", "input", "out", JavaMlpModel.randomMatrix(r, 4, 6, 0.5), bias).output("out").build();
        Dataset data = ArrayDataset.generated("input", new long[] {6}, 50, 1);
        BiasCorrectionOutcome o = corrector(model, data, 1e9).correct(minMax(model, data, Map.of()));
        assertTrue(o.applied().isEmpty());
        assertTrue(o.skipped().get("fc").contains("zero"), o.skipped().toString());
    }

    @Test
    void reCorrectingAfterARevertReusesFp32MeansAndDropsStaleShifts() {
        JavaMlpModel model = JavaMlpModel.mlp(3, 8, 12, 4);
        Dataset data = ArrayDataset.generated("input", new long[] {8}, 60, 3);
        QuantizationPlan base = minMax(model, data, Map.of());
        BiasCorrector c = corrector(model, data, 2.0);
        BiasCorrectionOutcome first = c.correct(base);
        int compiles = model.compileCount();
        // AccuracyAware reverts fc2: no weight quantizer, FP32 node; fc2's old shift must go
        QuantizationPlan reverted = first.plan().toBuilder().removeWeight("fc2").removeActivation("relu1").fp32Node("fc2").build();
        BiasCorrectionOutcome second = c.correct(reverted);
        assertEquals(1, model.compileCount() - compiles, "only the quantized pass runs again");
        assertEquals(Set.of("fc1"), second.plan().biasShifts().keySet());
        assertEquals(List.of("fc1"), second.appliedNodes());
    }
}
