package org.pot4j.engine.algorithms.accuracyaware;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.pot4j.engine.algorithms.accuracyaware.AaFixture.reverted;
import static org.pot4j.engine.algorithms.accuracyaware.AaFixture.withoutTimes;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pot4j.api.quant.QuantizationResult;
import org.pot4j.engine.testing.TestAlgorithmContext;

/**
 * max_time, checkpoint and resume in both ranking modes (issue 15): a run stopped by max_time in the
 * middle of the search returns BEST_EFFORT with its best plan and, resumed, ends with the same
 * reverted nodes, plan and metric values as a run that was never stopped; a resume replays the
 * stored rankings, screens and validation passes without running the model.
 */
class ResumeAndTimeBudgetTest {
    @TempDir
    Path tmp;

    private static TestAlgorithmContext context(AaFixture f, Path dir, String mode) {
        // screen_single_reverts makes the fast mode screen plans in the middle of the search, and 0.004 takes
        // three passes (fc3, fc2, fc1), so that a run stopped before the last one has stored screens to reuse
        return f.context(dir).param("ranking", mode).param("screen_single_reverts", true).param("maximal_drop", 0.004);
    }

    @ParameterizedTest
    @ValueSource(strings = {"exact", "fast"})
    void maxTimeStopsWithTheBestPlanAndAResumeEndsLikeAnUninterruptedRun(String mode) {
        AaFixture f = new AaFixture();
        QuantizationResult once = AaFixture.run(f.model, context(f, tmp.resolve("once"), mode));
        assertEquals(QuantizationResult.Status.TARGET_MET, once.status());

        // every quantized plan takes 80 ms to compile: the run needs dozens, 0.3 s stops it early
        Path dir = tmp.resolve("stopped");
        GatedModel slow = new GatedModel(f.model, 80, false);
        QuantizationResult stopped = AaFixture.run(slow, context(f, dir, mode).param("max_time", 0.3));
        assertEquals(QuantizationResult.Status.BEST_EFFORT, stopped.status(), "max_time's documented status");
        assertTrue(((String) stopped.report().get("stop_reason")).contains("max_time"), (String) stopped.report().get("stop_reason"));
        assertEquals(Set.copyOf(reverted(stopped)), stopped.plan().fp32Nodes(), "the best plan so far is returned");
        assertTrue(reverted(stopped).size() < reverted(once).size() || !reverted(stopped).equals(reverted(once)),
                "the budget stopped the search before its end: " + reverted(stopped));

        QuantizationResult resumed = AaFixture.run(f.model, context(f, dir, mode).param("resume", true));
        assertEquals(Boolean.TRUE, resumed.report().get("resumed"));
        assertEquals(QuantizationResult.Status.TARGET_MET, resumed.status());
        assertEquals(reverted(once), reverted(resumed));
        assertEquals(once.plan(), resumed.plan());
        assertEquals(once.report().get("final_drop"), resumed.report().get("final_drop"));
        assertEquals(finals(once), finals(resumed), "the same metric values");
    }

    @ParameterizedTest
    @ValueSource(strings = {"exact", "fast"})
    void aResumeReplaysStoredRankingsScreensAndPassesWithoutRunningTheModel(String mode) {
        AaFixture f = new AaFixture();
        QuantizationResult once = AaFixture.run(f.model, context(f, tmp.resolve("once"), mode));
        int passes = ((List<?>) once.report().get("iterations")).size();
        assertTrue(passes >= 2, "the scenario needs two passes or more: " + passes);

        Path dir = tmp.resolve("stopped");
        QuantizationResult first = AaFixture.run(f.model, context(f, dir, mode).param("max_iter_num", passes - 1));
        assertEquals(QuantizationResult.Status.BEST_EFFORT, first.status());
        if (mode.equals("fast")) {
            assertTrue(((Number) ((Map<?, ?>) first.report().get("cost")).get("screen_passes")).doubleValue() > 0,
                    "the stopped run screened plans: " + first.report().get("cost"));
        }
        // the same bound again: everything up to the stop is in the checkpoint, nothing runs the model
        GatedModel refusing = new GatedModel(f.model, 0, true);
        QuantizationResult replayed = AaFixture.run(refusing, context(f, dir, mode).param("max_iter_num", passes - 1).param("resume", true));
        assertEquals(0, refusing.compiles.get());
        assertEquals(reverted(first), reverted(replayed));
        assertEquals(first.plan(), replayed.plan());
        assertEquals(withoutTimes(first.report().get("iterations")), withoutTimes(replayed.report().get("iterations")));
        assertEquals(withoutTimes(first.report().get("rankings")), withoutTimes(replayed.report().get("rankings")));
        assertEquals(((Map<?, ?>) first.report().get("cost")).get("search_passes"),
                ((Map<?, ?>) replayed.report().get("cost")).get("search_passes"), "the replay counts the stored passes once");

        // extended: ends like the uninterrupted run
        QuantizationResult extended = AaFixture.run(f.model, context(f, dir, mode).param("resume", true));
        assertEquals(reverted(once), reverted(extended));
        assertEquals(once.plan(), extended.plan());
        assertEquals(finals(once), finals(extended));
        assertEquals(withoutTimes(once.report().get("iterations")), withoutTimes(extended.report().get("iterations")));
    }

    private static List<Object> finals(QuantizationResult r) {
        return ((List<?>) r.report().get("metrics")).stream().map(m -> ((Map<?, ?>) m).get("final")).map(Object.class::cast).toList();
    }

}
