package org.pot4j.engine.algorithms.accuracyaware;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pot4j.api.ProgressListener;
import org.pot4j.api.model.Model;
import org.pot4j.api.quant.QuantizationResult;
import org.pot4j.engine.evaluation.Evaluator;
import org.pot4j.engine.testing.TestAlgorithmContext;

/**
 * The report's "in validation passes" figures divide by a pass that ran the model: with the FP32
 * outputs already cached (annotation: fp32_output does that) the FP32 pass only runs the metrics
 * and takes almost no time, so it must never be the unit (issue 15: it was, and a 5-pass search
 * read as hundreds of passes).
 */
class CostUnitTest {
    /** Every compile of a quantized plan takes at least this long: a pass of such a plan cannot be near-free. */
    private static final long COMPILE_MILLIS = 60;

    @ParameterizedTest
    @ValueSource(strings = {"exact", "fast"})
    void aCachedFp32PassIsNeverTheUnitOfTheCostFigures(String mode) {
        AaFixture f = new AaFixture();
        Model model = new GatedModel(f.model, COMPILE_MILLIS, false);
        Evaluator evaluator = new Evaluator(ProgressListener.NONE, 1);
        // the FP32 outputs of every validation sample cached before the algorithm starts
        evaluator.fp32Outputs(model, f.validation, IntStream.range(0, f.validation.size()).toArray(), "warm-up");
        TestAlgorithmContext c = f.context(null).param("ranking", mode);
        c.withService(Evaluator.class, evaluator);
        QuantizationResult r = AaFixture.run(model, c);
        assertEquals(QuantizationResult.Status.TARGET_MET, r.status());

        Map<?, ?> timing = (Map<?, ?>) r.report().get("timing");
        Map<?, ?> cost = (Map<?, ?>) r.report().get("cost");
        double unit = ((Number) timing.get("validation_pass_seconds")).doubleValue();
        assertTrue(unit >= COMPILE_MILLIS / 1000.0, "every INT8 pass compiled and ran a plan, the median took " + unit + " s");
        assertTrue(((String) timing.get("validation_pass")).contains("INT8 validation passes"), timing.toString());
        // each validation pass of the search compiles one plan, as the unit pass did: the wall time of
        // those passes in units is of the order of their count (a near-free unit made it hundreds)
        int passes = ((Number) cost.get("validation_passes")).intValue();
        double inUnits = ((Number) cost.get("validation_seconds_in_validation_passes")).doubleValue();
        assertTrue(passes >= 1, cost.toString());
        assertTrue(inUnits >= 0.1 * passes && inUnits <= 10.0 * passes, passes + " passes took " + inUnits + " units: " + cost);
        double total = ((Number) cost.get("total_seconds_in_validation_passes")).doubleValue();
        assertEquals(total, ((Number) timing.get("total_in_validation_passes")).doubleValue(), 1e-9);
        assertTrue(List.of("ranking_passes", "screen_passes", "validation_passes", "search_passes").stream()
                .allMatch(cost::containsKey), cost.toString());
    }

    @org.junit.jupiter.api.Test
    void exactRankingPassesAreEveryCandidateOnTheSubsetPlusTheFp32Reference() {
        AaFixture f = new AaFixture();
        QuantizationResult r = AaFixture.run(f.model, f.context(null).param("ranking", "exact"));
        Map<?, ?> cost = (Map<?, ?>) r.report().get("cost");
        int subset = ((Number) r.report().get("ranking_subset_size")).intValue();
        int n = ((Number) r.report().get("validation_samples")).intValue();
        // whole-model scoring (the fixture's model has no suffix runs): each ranking runs each candidate on
        // every subset sample; the FP32 outputs of the subset are computed once
        long candidateRuns = ((List<?>) r.report().get("rankings")).stream()
                .mapToLong(rk -> ((List<?>) ((Map<?, ?>) rk).get("entries")).size()).sum() * subset;
        assertEquals((candidateRuns + subset) / (double) n, ((Number) cost.get("ranking_passes")).doubleValue(), 1e-9);
        assertEquals(((List<?>) r.report().get("iterations")).size(), ((Number) cost.get("validation_passes")).intValue());
        assertEquals(0.0, ((Number) cost.get("screen_passes")).doubleValue());
        assertEquals(((Number) cost.get("ranking_passes")).doubleValue() + ((Number) cost.get("validation_passes")).intValue(),
                ((Number) cost.get("search_passes")).doubleValue(), 1e-9);
    }
}
