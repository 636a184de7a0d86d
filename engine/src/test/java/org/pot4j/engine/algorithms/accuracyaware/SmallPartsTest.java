package org.pot4j.engine.algorithms.accuracyaware;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.quant.ActivationQuantizer;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.api.quant.WeightQuantizer;

class SmallPartsTest {
    @TempDir
    Path tmp;

    @Test
    void theRankingSubsetTakesTheLargestMismatchesWithTiesToTheLowerIndex() {
        int[] idx = {0, 1, 2, 3, 4, 5};
        double[] mismatch = {0, 1, 0.5, 1, Double.NaN, 0.5};
        assertArrayEquals(new int[] {1, 3}, RankingSubset.select(idx, mismatch, 2));
        assertArrayEquals(new int[] {1, 2, 3}, RankingSubset.select(idx, mismatch, 3));
        assertArrayEquals(idx, RankingSubset.select(idx, mismatch, 100));
        assertArrayEquals(new int[] {0, 2, 5, 7}, RankingSubset.evenlySpaced(10, 4));
        assertArrayEquals(new int[] {0, 1, 2}, RankingSubset.evenlySpaced(3, 7));
    }

    @Test
    void parametersHavePotDefaultsAndRejectBadValues() {
        AccuracyAwareParams p = AccuracyAwareParams.parse(Map.of("preset", "mixed"), 3);
        assertEquals(0.01, p.maximalDrop());
        assertEquals(300, p.rankingSubsetSize());
        assertEquals(30, p.maxIterNum());
        assertEquals(DropType.ABSOLUTE, p.dropType());
        assertEquals("DefaultQuantization", p.baseAlgorithm());
        assertEquals(0.5, p.metricSubsetRatio());
        assertEquals(3, p.rankingWorkers());
        assertEquals(Map.of("preset", "mixed"), p.baseParams());
        AccuracyAwareParams q = AccuracyAwareParams.parse(Map.of("maximal_drop", "0.02", "max_iter_num", 5.0,
                "metrics", List.of(Map.of("name", "accuracy", "baseline_value", 0.72)), "resume", "true"), 1);
        assertEquals(0.02, q.maximalDrop());
        assertEquals(5, q.maxIterNum());
        assertEquals(0.72, q.metrics().get(0).baselineValue());
        assertTrue(q.resume());
        assertEquals(List.of("maximal_drop", "metrics"), List.copyOf(q.fingerprinted().keySet()), "bounds are not fingerprinted");
        for (Map<String, Object> bad : List.<Map<String, Object>>of(Map.of("maximal_drop", -1), Map.of("max_iter_num", 2.5),
                Map.of("ranking_subset_size", 0), Map.of("metric_subset_ratio", 1.5), Map.of("drop_type", "log"),
                Map.of("max_time", 0), Map.of("metrics", "accuracy"), Map.of("use_prev_if_drop_increase", "yes"))) {
            Pot4jException e = assertThrows(Pot4jException.class, () -> AccuracyAwareParams.parse(bad, 1));
            assertEquals(ErrorCode.CONFIG_INVALID, e.code(), bad.toString());
            assertTrue(e.getMessage().contains(bad.keySet().iterator().next()), e.getMessage());
        }
        assertEquals(ErrorCode.CONFIG_UNKNOWN_KEY, assertThrows(Pot4jException.class, () -> AccuracyAwareParams.parse(
                Map.of("metrics", List.of(Map.of("name", "a", "baseline", 1))), 1)).code());
    }

    @Test
    void theExperimentalSwitchesAreTypedParametersWithTheOldDefaults() {
        AccuracyAwareParams d = AccuracyAwareParams.parse(Map.of(), 2);
        assertTrue(d.useSuffixRuns(), "suffix runs stay on by default");
        assertFalse(d.screenSingleReverts(), "screening single reverts stays off by default");
        assertFalse(d.exactRanking());
        assertEquals(0, d.rankingCandidates(), "ranking_candidates auto");
        assertTrue(Double.isInfinite(d.maxTimeSeconds()));
        AccuracyAwareParams p = AccuracyAwareParams.parse(Map.of("use_suffix_runs", "false", "screen_single_reverts", true,
                "ranking", " Exact ", "ranking_candidates", 12.0, "on_target_missed", "error", "max_time", 60, "preset", "mixed"), 2);
        assertFalse(p.useSuffixRuns());
        assertTrue(p.screenSingleReverts());
        assertTrue(p.exactRanking());
        assertEquals(12, p.rankingCandidates());
        assertTrue(p.errorOnTargetMissed());
        assertEquals(60.0, p.maxTimeSeconds());
        assertEquals(Map.of("preset", "mixed"), p.baseParams(), "only the base algorithm's keys go to it");
        assertTrue(AccuracyAwareParams.OWN.containsAll(List.of("use_suffix_runs", "screen_single_reverts", "ranking",
                "ranking_candidates", "max_time", "ranking_workers", "resume", "on_target_missed")), AccuracyAwareParams.OWN.toString());
        for (Map<String, Object> bad : List.<Map<String, Object>>of(Map.of("use_suffix_runs", "maybe"),
                Map.of("screen_single_reverts", "often"), Map.of("ranking_candidates", "some"), Map.of("ranking_candidates", 0),
                Map.of("ranking_workers", 0), Map.of("ranking", "fastest"), Map.of("maximal_drop", 1.5),
                Map.of("ranking_subset_size", 2.5), Map.of("base_algorithm", " "))) {
            Pot4jException e = assertThrows(Pot4jException.class, () -> AccuracyAwareParams.parse(bad, 1), bad.toString());
            assertEquals(ErrorCode.CONFIG_INVALID, e.code(), bad.toString());
            String key = bad.keySet().iterator().next();
            assertTrue(e.getMessage().contains("params." + key) && e.getMessage().contains("AccuracyAwareQuantization"),
                    e.getMessage());
        }
    }

    @Test
    void dropsFollowTheMetricDirection() {
        assertEquals(0.1, DropType.ABSOLUTE.drop(0.9, 0.8, true), 1e-12);
        assertEquals(0.1, DropType.ABSOLUTE.drop(0.1, 0.2, false), 1e-12);
        assertEquals(0.5, DropType.RELATIVE.drop(0.2, 0.1, true), 1e-12);
        assertEquals(-0.5, DropType.RELATIVE.drop(0.2, 0.1, false), 1e-12);
    }

    @Test
    void theCheckpointRoundTripsTheStateBitExactly() throws Exception {
        Random r = new Random(5);
        QuantizationPlan.Builder b = QuantizationPlan.builder().metadata("k", "v").fp32Node("fc9");
        float[] scales = new float[16];
        for (int i = 0; i < scales.length; i++) {
            scales[i] = (float) Math.abs(r.nextGaussian() * 1e-3) + 1e-7f;
        }
        b.weight("fc1", new WeightQuantizer(8, 0, scales, new int[16], true));
        b.activation("t", new ActivationQuantizer(8, false, 0.0123456789f, 3));
        b.biasShift("fc1", new float[] {(float) r.nextGaussian(), -1e-30f, 0});
        SearchState st = new SearchState();
        st.plan = b.build();
        st.bestPlan = st.plan;
        st.controlled = List.of(new ControlledMetric("acc", "accuracy", 0, true, true, 0.9, "config", 0.9, 0.91));
        st.rankingSubset = new int[] {3, 1, 4};
        st.currentObjective = Double.NaN;
        Map<String, Double> v = new LinkedHashMap<>();
        v.put("acc", 0.8765432109876543);
        st.history.add(new SearchState.IterationRecord(1, "fc1", "Gemm", "reverted", v, v, 0.1, true, true, 1, 0.5, null));
        st.rankings.add(new SearchState.RankingRecord(1, "acc", "metric", 0.2,
                List.of(new RankEntry("fc1", "Gemm", 3, 3, Double.NaN, null))));
        st.queue.add("fc2");
        Checkpoint cp = new Checkpoint(tmp.resolve("aa-checkpoint.json"));
        cp.save("abc", st);
        SearchState back = cp.load("abc");
        assertEquals(st.plan, back.plan);
        assertEquals(st.controlled, back.controlled);
        assertArrayEquals(st.rankingSubset, back.rankingSubset);
        assertEquals(st.history, back.history);
        assertEquals(st.rankings.get(0).entries().get(0).node(), back.rankings.get(0).entries().get(0).node());
        assertTrue(Double.isNaN(back.currentObjective));
        assertEquals(List.of("fc2"), back.queue);
        assertNull(cp.load("other fingerprint"));
        assertTrue(Files.exists(tmp.resolve("aa-checkpoint.json")));
        try (var files = Files.list(tmp)) {
            assertEquals(1, files.count(), "no temporary file is left behind");
        }
    }
}
