package org.pot4j.engine.algorithms.accuracyaware;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.pot4j.engine.algorithms.accuracyaware.AaFixture.reverted;
import static org.pot4j.engine.algorithms.accuracyaware.AaFixture.withoutTimes;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.quant.QuantizationResult;
import org.pot4j.engine.testing.TestAlgorithmContext;

/**
 * {@code ranking: fast} (the default) against {@code ranking: exact} (POT's procedure) on the
 * sensitive MLP fixture: same target, no more reverted nodes, only k candidates scored exactly per
 * ranking; and determinism, resume and the proxy itself. (With five nodes the proxy's two passes
 * cost as much as the candidates they spare: the savings show on the examples, see issue 15.)
 */
class FastRankingTest {
    @TempDir
    Path tmp;

    private static Map<?, ?> cost(QuantizationResult r) {
        return (Map<?, ?>) r.report().get("cost");
    }

    @Test
    void fastMeetsTheTargetWithNoMoreNodesThanExactScoringOnlyKCandidatesExactly() {
        AaFixture f = new AaFixture();
        QuantizationResult exact = f.run(f.context(null).param("ranking", "exact"));
        AaFixture g = new AaFixture();
        // two exact candidates of the five: the proxy has to put the sensitive ones first
        QuantizationResult fast = g.run(g.context(null).param("ranking_candidates", 2));

        assertEquals(QuantizationResult.Status.TARGET_MET, exact.status());
        assertEquals(QuantizationResult.Status.TARGET_MET, fast.status());
        assertTrue(reverted(fast).size() <= reverted(exact).size(), "fast " + reverted(fast) + ", exact " + reverted(exact));
        assertTrue((double) fast.report().get("final_drop") <= 0.01 + 1e-9);
        assertEquals("exact", exact.report().get("ranking"));
        assertEquals("fast", fast.report().get("ranking"));
        // the pre-rank puts the two sensitive layers first: fc3 (3-bit weights) and fc2 (reads the 4-bit r1)
        List<?> first = (List<?>) ((Map<?, ?>) ((List<?>) fast.report().get("rankings")).get(0)).get("entries");
        assertEquals(Set.of("fc3", "fc2"), Set.of(((Map<?, ?>) first.get(0)).get("node"), ((Map<?, ?>) first.get(1)).get("node")),
                first.toString());
        // every ranking of the fast mode scored exactly 2 candidates and carries pre-rank scores for all
        for (Object o : (List<?>) fast.report().get("rankings")) {
            Map<?, ?> rk = (Map<?, ?>) o;
            assertEquals(2, rk.get("confirmed"), rk.toString());
            List<?> entries = (List<?>) rk.get("entries");
            assertTrue(entries.stream().allMatch(e -> ((Map<?, ?>) e).containsKey("proxy")), rk.toString());
        }
        assertEquals(((Number) cost(fast).get("validation_passes")).intValue(), ((List<?>) fast.report().get("iterations")).size());
    }

    @ParameterizedTest
    @ValueSource(strings = {"exact", "fast"})
    void twoRunsAreIdenticalAndAResumedRunEndsLikeAnUninterruptedOne(String mode) {
        AaFixture f = new AaFixture();
        QuantizationResult once = f.run(f.context(tmp.resolve("a")).param("ranking", mode));
        AaFixture f2 = new AaFixture();
        QuantizationResult twice = f2.run(f2.context(null).param("ranking", mode).param("ranking_workers", 1));
        assertEquals(once.plan(), twice.plan());
        assertEquals(withoutTimes(once.report().get("iterations")), withoutTimes(twice.report().get("iterations")));
        assertTrue(reverted(once).size() >= 2, "the scenario needs at least two passes: " + reverted(once));

        AaFixture g = new AaFixture();
        Path dir = tmp.resolve("b");
        QuantizationResult first = g.run(g.context(dir).param("ranking", mode).param("max_iter_num", 1));
        assertEquals(QuantizationResult.Status.BEST_EFFORT, first.status());
        int baseRuns = TestQuantizer.RUNS.get();
        List<String> stages = Collections.synchronizedList(new ArrayList<>());
        TestAlgorithmContext again = g.context(dir).param("ranking", mode).param("resume", true);
        again.withProgress(new Messages(new ArrayList<>(), stages));
        QuantizationResult resumed = g.run(again);
        assertEquals(QuantizationResult.Status.TARGET_MET, resumed.status());
        assertEquals(once.plan(), resumed.plan());
        assertEquals(reverted(once), reverted(resumed));
        assertEquals(baseRuns, TestQuantizer.RUNS.get(), "a resumed run must not re-run the base algorithm");
        assertEquals(withoutTimes(once.report().get("iterations")), withoutTimes(resumed.report().get("iterations")));
        long passes = stages.stream().filter(s -> s.startsWith("evaluate int8 (iteration")).count();
        int total = ((List<?>) resumed.report().get("iterations")).size();
        assertEquals(total - 1, passes, "the resumed session runs only the passes after the first: " + stages);
    }

    @Test
    void fastModeHonoursMaxIterNumAndATinyTimeBudget() {
        AaFixture f = new AaFixture();
        QuantizationResult one = f.run(f.context(null).param("max_iter_num", 1));
        assertEquals(1, ((List<?>) one.report().get("iterations")).size());
        assertTrue(((String) one.report().get("stop_reason")).contains("max_iter_num"), (String) one.report().get("stop_reason"));
        QuantizationResult none = f.run(f.context(null).param("max_time", 1e-6));
        assertEquals(QuantizationResult.Status.BEST_EFFORT, none.status());
        assertTrue(((String) none.report().get("stop_reason")).contains("max_time"));
        assertTrue(reverted(none).isEmpty());
    }

    @Test
    void screeningSingleRevertsMeetsTheTargetAndCountsItsScreens() {
        AaFixture f = new AaFixture();
        QuantizationResult plain = f.run(f.context(null));
        AaFixture g = new AaFixture();
        QuantizationResult screened = g.run(g.context(null).param("screen_single_reverts", true));
        assertEquals(QuantizationResult.Status.TARGET_MET, screened.status());
        assertTrue((double) screened.report().get("final_drop") <= 0.01 + 1e-9);
        assertTrue(((Number) cost(screened).get("screen_passes")).doubleValue()
                >= ((Number) cost(plain).get("screen_passes")).doubleValue(), cost(screened) + " vs " + cost(plain));
        assertEquals(Boolean.TRUE, ((Map<?, ?>) screened.report().get("parameters")).get("screen_single_reverts"));
    }

    @Test
    void badRankingParametersAreClearErrors() {
        AaFixture f = new AaFixture();
        Pot4jException e = assertThrows(Pot4jException.class, () -> f.run(f.context(null).param("ranking", "fastest")));
        assertEquals(ErrorCode.CONFIG_INVALID, e.code());
        assertTrue(e.getMessage().contains("ranking") && e.getMessage().contains("exact"), e.getMessage());
        Pot4jException k = assertThrows(Pot4jException.class, () -> f.run(f.context(null).param("ranking_candidates", 0)));
        assertEquals(ErrorCode.CONFIG_INVALID, k.code());
        assertTrue(new AccuracyAwareQuantization(AaFixture.BASE_NAMES).parameterNames().containsAll(Set.of("ranking", "ranking_candidates")));
    }
}
