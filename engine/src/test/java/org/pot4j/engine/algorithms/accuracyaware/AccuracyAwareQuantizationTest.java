package org.pot4j.engine.algorithms.accuracyaware;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.pot4j.engine.algorithms.accuracyaware.AaFixture.metric;
import static org.pot4j.engine.algorithms.accuracyaware.AaFixture.reverted;
import static org.pot4j.engine.algorithms.accuracyaware.AaFixture.withoutTimes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.metric.Metric;
import org.pot4j.api.model.QuantizableNode;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.api.quant.QuantizationResult;
import org.pot4j.engine.testing.TestAlgorithmContext;

class AccuracyAwareQuantizationTest {
    @TempDir
    Path tmp;

    @Test
    void meetsTheTargetByRevertingFewNodesMostSensitiveFirst() throws Exception {
        AaFixture f = new AaFixture();
        TestAlgorithmContext c = f.context(tmp);
        List<String> messages = Collections.synchronizedList(new ArrayList<>());
        c.withProgress(new Messages(messages));
        QuantizationResult r = f.run(c);

        assertEquals(QuantizationResult.Status.TARGET_MET, r.status());
        List<String> rev = reverted(r);
        assertTrue(!rev.isEmpty() && rev.size() <= 2, "reverted " + rev);
        assertEquals(mostSensitiveNode(f), rev.get(0), "the node whose revert helps most must go first");
        assertEquals(Set.copyOf(rev), r.plan().fp32Nodes());
        for (String n : rev) {
            assertFalse(r.plan().weights().containsKey(n), n + " keeps its weight quantizer");
            assertFalse(r.plan().biasShifts().containsKey(n), n + " keeps its bias shift");
        }
        // the other nodes keep quantizers and bias shifts
        for (QuantizableNode n : f.model.quantizableNodes()) {
            if (!rev.contains(n.id())) {
                assertTrue(r.plan().weights().containsKey(n.id()) && r.plan().biasShifts().containsKey(n.id()), n.id());
            }
        }
        // the plan really meets the drop on the validation set
        double fp32 = f.accuracy(QuantizationPlan.EMPTY);
        double q = f.accuracy(r.plan());
        assertTrue(fp32 - q <= 0.01 + 1e-9, "fp32 " + fp32 + " int8 " + q);
        assertTrue((double) r.report().get("initial_drop") > 0.01, "the base algorithm alone must miss the target");
        assertEquals(5, r.report().get("quantized_node_count"));
        assertEquals("TARGET_MET", r.plan().metadata().get("pot4j.accuracy_aware.status"));

        JsonNode report = new ObjectMapper().readTree(tmp.resolve(AccuracyAwareQuantization.REPORT_JSON).toFile());
        assertEquals("TARGET_MET", report.get("status").asText());
        assertEquals(rev.size(), report.get("iterations").size());
        assertEquals(rev.get(0), report.get("iterations").get(0).get("node").asText());
        String html = Files.readString(tmp.resolve(AccuracyAwareQuantization.REPORT_HTML));
        assertTrue(html.contains("<svg") && html.contains(rev.get(0)) && html.contains("maximal_drop"));
        assertTrue(Files.exists(tmp.resolve(AccuracyAwareQuantization.CHECKPOINT_FILE)));
        assertTrue(messages.stream().anyMatch(m -> m.contains("iteration 1")), messages.toString());
    }

    @Test
    void twoRunsRevertTheSameNodesAndParallelRankingEqualsSequential() {
        AaFixture f = new AaFixture();
        QuantizationResult seq = f.run(f.context(null).param("ranking_workers", 1));
        AaFixture g = new AaFixture();
        QuantizationResult par = g.run(g.context(null).param("ranking_workers", 4));
        assertEquals(reverted(seq), reverted(par));
        assertEquals(seq.plan(), par.plan());
        assertEquals(withoutTimes(seq.report().get("rankings")), withoutTimes(par.report().get("rankings")));
        assertEquals(withoutTimes(seq.report().get("iterations")), withoutTimes(par.report().get("iterations")));
    }

    @Test
    void aHigherWorseMetricDropsWhenItRises() {
        AaFixture f = new AaFixture();
        TestAlgorithmContext c = f.context(null);
        c.withMetrics(List.<Supplier<Metric>>of(TestMetrics.ErrorRate::new));
        QuantizationResult r = f.run(c);
        assertEquals(QuantizationResult.Status.TARGET_MET, r.status());
        Map<String, Object> m = metric(r, "error_rate");
        assertEquals("higher-worse", m.get("direction"));
        double baseline = (double) m.get("baseline");
        double int8 = (double) m.get("int8");
        assertTrue(int8 > baseline, "quantization raises the error rate");
        assertEquals(int8 - baseline, (double) r.report().get("initial_drop"), 1e-12);
        assertTrue((double) m.get("final_drop") <= 0.01 + 1e-9);
        AaFixture g = new AaFixture();
        assertEquals(reverted(g.run(g.context(null))), reverted(r), "error rate is 1 - accuracy: same decisions");
    }

    @Test
    void relativeDropDividesByTheBaseline() {
        AaFixture f = new AaFixture();
        QuantizationResult r = f.run(f.context(null).param("drop_type", "relative").param("maximal_drop", 0.01));
        Map<String, Object> m = metric(r, "accuracy@top1");
        double baseline = (double) m.get("baseline");
        assertEquals((baseline - (double) m.get("int8")) / baseline, (double) r.report().get("initial_drop"), 1e-12);
        assertEquals(QuantizationResult.Status.TARGET_MET, r.status());
        assertTrue((baseline - (double) m.get("final")) / baseline <= 0.01 + 1e-9);
    }

    @Test
    void twoMetricsAreControlledAtOnce() {
        AaFixture f = new AaFixture();
        TestAlgorithmContext c = f.context(null);
        c.withMetrics(List.of(TestMetrics.Accuracy::new, TestMetrics.Margin::new));
        c.param("metrics", List.of(Map.of("name", "accuracy"), Map.of("name", "margin")))
                .param("drop_type", "relative").param("maximal_drop", 0.02);
        QuantizationResult r = f.run(c);
        assertEquals(QuantizationResult.Status.TARGET_MET, r.status());
        for (String name : List.of("accuracy@top1", "margin")) {
            Map<String, Object> m = metric(r, name);
            assertTrue((double) m.get("final_drop") <= 0.02 + 1e-9, name + " " + m);
        }
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> its = (List<Map<String, Object>>) r.report().get("iterations");
        @SuppressWarnings("unchecked")
        Map<String, Object> drops = (Map<String, Object>) its.get(its.size() - 1).get("drops");
        assertEquals(Set.of("accuracy@top1", "margin"), drops.keySet());
    }

    @Test
    void onlyTheNamedMetricIsControlled() {
        AaFixture f = new AaFixture();
        TestAlgorithmContext c = f.context(null);
        c.withMetrics(List.of(TestMetrics.Accuracy::new, TestMetrics.Margin::new));
        c.param("metrics", List.of(Map.of("name", "accuracy")));
        QuantizationResult r = f.run(c);
        assertEquals(1, ((List<?>) r.report().get("metrics")).size());
        Pot4jException e = assertThrows(Pot4jException.class,
                () -> f.run(f.context(null).param("metrics", List.of(Map.of("name", "bleu")))));
        assertEquals(ErrorCode.CONFIG_INVALID, e.code());
        assertTrue(e.getMessage().contains("bleu") && e.getMessage().contains("accuracy@top1"), e.getMessage());
    }

    @Test
    void aMetricWithoutPerSampleValuesIsRankedByOutputDistance() {
        AaFixture f = new AaFixture();
        TestAlgorithmContext c = f.context(null);
        c.withMetrics(List.<Supplier<Metric>>of(() -> new TestMetrics.MacroRecall(AaFixture.CLASSES)));
        c.param("maximal_drop", 0.015);
        QuantizationResult r = f.run(c);
        assertEquals("nmse", r.report().get("ranking_subset_basis"));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> rankings = (List<Map<String, Object>>) r.report().get("rankings");
        assertEquals("NMSE to FP32", rankings.get(0).get("basis"));
        assertEquals(QuantizationResult.Status.TARGET_MET, r.status());
        assertEquals(mostSensitiveNode(f), reverted(r).get(0));
    }

    @Test
    void bestEffortWhenTheTargetIsOutOfReach() {
        AaFixture f = new AaFixture();
        QuantizationResult r = f.run(f.context(tmp).param("max_iter_num", 1));
        assertEquals(QuantizationResult.Status.BEST_EFFORT, r.status());
        assertEquals(1, reverted(r).size());
        assertTrue(((String) r.report().get("stop_reason")).contains("max_iter_num"));
        assertTrue((double) r.report().get("final_drop") < (double) r.report().get("initial_drop"));
        assertEquals(Set.copyOf(reverted(r)), r.plan().fp32Nodes());

        QuantizationResult none = f.run(f.context(null).param("max_iter_num", 0));
        assertEquals(QuantizationResult.Status.BEST_EFFORT, none.status());
        assertTrue(reverted(none).isEmpty());
        assertTrue(none.plan().fp32Nodes().isEmpty());
    }

    @Test
    void resumingAfterAStopEndsLikeAnUninterruptedRun() {
        AaFixture f = new AaFixture();
        List<String> expected = reverted(f.run(f.context(tmp.resolve("a"))));
        assertTrue(expected.size() >= 2, "the scenario needs at least two reverts: " + expected);

        AaFixture g = new AaFixture();
        Path dir = tmp.resolve("b");
        QuantizationResult first = g.run(g.context(dir).param("max_iter_num", 1));
        assertEquals(QuantizationResult.Status.BEST_EFFORT, first.status());
        int baseRuns = TestQuantizer.RUNS.get();
        QuantizationResult resumed = g.run(g.context(dir).param("resume", true));
        assertEquals(expected, reverted(resumed));
        assertEquals(QuantizationResult.Status.TARGET_MET, resumed.status());
        assertEquals(Boolean.TRUE, resumed.report().get("resumed"));
        assertEquals(baseRuns, TestQuantizer.RUNS.get(), "a resumed run must not re-run the base algorithm");
    }

    @Test
    void aCrashMidRunLeavesAValidCheckpointToResumeFrom() throws Exception {
        AaFixture f = new AaFixture();
        List<String> expected = reverted(f.run(f.context(null)));

        AaFixture g = new AaFixture();
        AtomicBoolean broken = new AtomicBoolean();
        TestAlgorithmContext c = g.context(tmp);
        c.withMetrics(List.<Supplier<Metric>>of(() -> new TestMetrics.Accuracy() {
            @Override
            public void update(List<org.pot4j.api.Tensor> outputs, Object annotation) {
                if (broken.get()) {
                    throw new IllegalStateException("killed");
                }
                super.update(outputs, annotation);
            }
        }));
        c.withProgress(new Messages(new ArrayList<>()) {
            @Override
            public void stageStarted(String stage, long total) {
                if (stage.equals("evaluate int8 (iteration 2)")) {
                    broken.set(true);
                }
            }
        });
        Pot4jException e = assertThrows(Pot4jException.class, () -> g.run(c));
        assertEquals(ErrorCode.METRIC_FAILED, e.code());
        JsonNode cp = new ObjectMapper().readTree(tmp.resolve(AccuracyAwareQuantization.CHECKPOINT_FILE).toFile());
        assertEquals(1, cp.get("state").get("iteration").asInt(), "the checkpoint holds the last finished iteration");

        TestAlgorithmContext again = g.context(tmp).param("resume", true);
        QuantizationResult r = g.run(again);
        assertEquals(expected, reverted(r));
        assertEquals(2, r.report().get("sessions"));
    }

    @Test
    void aCorruptOrForeignCheckpointIsIgnored() throws Exception {
        AaFixture f = new AaFixture();
        List<String> expected = reverted(f.run(f.context(null)));
        Files.writeString(tmp.resolve(AccuracyAwareQuantization.CHECKPOINT_FILE), "{\"format\": \"pot4j-accuracy-aware-checkp");
        QuantizationResult r = f.run(f.context(tmp).param("resume", true));
        assertEquals(expected, reverted(r));
        assertEquals(Boolean.FALSE, r.report().get("resumed"));
        // written for other parameters: not resumed either
        f.run(f.context(tmp).param("max_iter_num", 1));
        QuantizationResult other = f.run(f.context(tmp).param("resume", true).param("maximal_drop", 0.02));
        assertEquals(Boolean.FALSE, other.report().get("resumed"));
    }

    @Test
    void aMetricThatFailsIsReportedAsMetricFailed() {
        AaFixture f = new AaFixture();
        for (boolean nan : new boolean[] {false, true}) {
            TestAlgorithmContext c = f.context(null);
            AtomicInteger updates = new AtomicInteger();
            c.withMetrics(List.<Supplier<Metric>>of(() -> new TestMetrics.FailingAccuracy(updates, 10, nan)));
            Pot4jException e = assertThrows(Pot4jException.class, () -> f.run(c));
            assertEquals(ErrorCode.METRIC_FAILED, e.code());
            assertTrue(e.getMessage().contains("accuracy@top1") && e.getMessage().contains("sample"), e.getMessage());
        }
    }

    @Test
    void badParametersAndMissingInputsGiveClearErrors() {
        AaFixture f = new AaFixture();
        Pot4jException neg = assertThrows(Pot4jException.class, () -> f.run(f.context(null).param("maximal_drop", -0.1)));
        assertEquals(ErrorCode.CONFIG_INVALID, neg.code());
        assertTrue(neg.getMessage().contains("maximal_drop"), neg.getMessage());

        TestAlgorithmContext noVal = f.context(null);
        noVal.withValidation(null);
        Pot4jException v = assertThrows(Pot4jException.class, () -> f.run(noVal));
        assertEquals(ErrorCode.CONFIG_INVALID, v.code());
        assertTrue(v.getMessage().contains("validation_dataset"), v.getMessage());

        TestAlgorithmContext unlabeled = f.context(null);
        unlabeled.withValidation(new org.pot4j.api.data.Dataset() {
            @Override
            public int size() {
                return f.validation.size();
            }

            @Override
            public org.pot4j.api.data.Sample get(int index) {
                return new org.pot4j.api.data.Sample(f.validation.get(index).inputs(), null, null);
            }
        });
        Pot4jException u = assertThrows(Pot4jException.class, () -> f.run(unlabeled));
        assertEquals(ErrorCode.CONFIG_INVALID, u.code());
        assertTrue(u.getMessage().contains("annotations") && u.getMessage().contains("validation_dataset"), u.getMessage());

        Pot4jException base = assertThrows(Pot4jException.class,
                () -> f.run(f.context(null).param("base_algorithm", "NoSuchQuantization")));
        assertEquals(ErrorCode.UNKNOWN_ALGORITHM, base.code());
        assertTrue(base.getMessage().contains("NoSuchQuantization") && base.getMessage().contains("DefaultQuantization"),
                base.getMessage());

        assertEquals(ErrorCode.CONFIG_INVALID, assertThrows(Pot4jException.class,
                () -> f.run(f.context(null).param("drop_type", "percent"))).code());
        TestAlgorithmContext noMetric = f.context(null);
        noMetric.withMetrics(List.of());
        assertEquals(ErrorCode.CONFIG_INVALID, assertThrows(Pot4jException.class, () -> f.run(noMetric)).code());
    }

    @Test
    void aValidationSetSmallerThanTheRankingSubsetIsUsedWhole() {
        AaFixture f = new AaFixture(120);
        TestAlgorithmContext c = f.context(null).param("maximal_drop", 0.02);
        List<String> messages = Collections.synchronizedList(new ArrayList<>());
        c.withProgress(new Messages(messages));
        QuantizationResult r = f.run(c);
        assertEquals(120, r.report().get("ranking_subset_size"));
        assertTrue(messages.stream().anyMatch(m -> m.contains("fewer than ranking_subset_size")), messages.toString());
        assertFalse(reverted(r).isEmpty());
    }

    @Test
    void aSmallRankingSubsetHoldsTheMostChangedSamples() {
        AaFixture f = new AaFixture();
        QuantizationResult r = f.run(f.context(null).param("ranking_subset_size", 40));
        assertEquals(40, r.report().get("ranking_subset_size"));
        assertEquals(QuantizationResult.Status.TARGET_MET, r.status());
    }

    @Test
    void aConsistentBaselineValueSkipsHalfOfTheFp32Pass() {
        AaFixture f = new AaFixture();
        double measured = f.accuracy(QuantizationPlan.EMPTY);
        TestAlgorithmContext c = f.context(null).param("metrics", List.of(Map.of("name", "accuracy@top1", "baseline_value", measured)));
        int compiles = f.model.compileCount();
        QuantizationResult r = f.run(c);
        assertEquals(200, r.report().get("comparison_samples"));
        assertEquals("config", metric(r, "accuracy@top1").get("baseline_source"));
        assertEquals(measured, (double) metric(r, "accuracy@top1").get("baseline"));
        assertTrue(f.model.compileCount() > compiles);
    }

    @Test
    void parameterNamesIncludeTheBaseAlgorithmsOnes() {
        Set<String> names = new AccuracyAwareQuantization(AaFixture.BASE_NAMES).parameterNames();
        assertTrue(names.containsAll(List.of("maximal_drop", "ranking_subset_size", "max_iter_num", "drop_type",
                "use_prev_if_drop_increase", "base_algorithm", "convert_to_mixed_preset", "metrics", "metric_subset_ratio",
                "max_time", "ranking_workers", "resume", "preset", "stat_subset_size")), names.toString());
        assertEquals("AccuracyAwareQuantization", new AccuracyAwareQuantizationProvider().name());
    }

    @Test
    void aTinyTimeBudgetStillReturnsTheBestPlanSoFar() {
        AaFixture f = new AaFixture();
        QuantizationResult r = f.run(f.context(null).param("max_time", 1e-6));
        assertEquals(QuantizationResult.Status.BEST_EFFORT, r.status());
        assertTrue(((String) r.report().get("stop_reason")).contains("max_time"));
        assertTrue(reverted(r).isEmpty());
    }

    /** The node whose revert alone gives the best full-set accuracy (measured directly). */
    private static String mostSensitiveNode(AaFixture f) {
        QuantizationPlan base = AaFixture.sensitiveQuantizer().run(f.model, f.context(null)).plan();
        NodeReverter rv = new NodeReverter(f.model.quantizableNodes());
        String best = null;
        double bestAcc = -1;
        for (QuantizableNode n : f.model.quantizableNodes()) {
            double acc = f.accuracy(rv.revert(base, n.id()));
            if (acc > bestAcc) {
                bestAcc = acc;
                best = n.id();
            }
        }
        return best;
    }
}
