package org.pot4j.engine.algorithms.accuracyaware;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.SuffixRuns;
import org.pot4j.api.model.TensorInfo;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.api.quant.QuantizationResult;

/**
 * The ranking's use of {@link SuffixRuns}: queried, not assumed; a backend's suffixes are used when
 * the first one agrees with a whole run (same ranking, fewer runs counted) and dropped when it does not
 * (same ranking as without them). The ONNX cut itself is tested in backend-onnx (OnnxSuffixRunsTest).
 */
class SuffixScoringTest {
    /** Suffixes fed by the model inputs that run the variant (right) or the base plan (wrong, misses the revert). */
    static final class Cuttable extends DelegatingModel implements SuffixRuns {
        final boolean wrong;
        final AtomicInteger compiled = new AtomicInteger();

        Cuttable(Model inner, boolean wrong) {
            super(inner);
            this.wrong = wrong;
        }

        @Override
        public Suffix suffix(QuantizationPlan base, QuantizationPlan variant) {
            QuantizationPlan runs = wrong ? base : variant;
            return new Suffix() {
                @Override
                public List<TensorInfo> inputs() {
                    return inner.inputs();
                }

                @Override
                public double share() {
                    return 0.5;
                }

                @Override
                public CompiledModel compile() {
                    compiled.incrementAndGet();
                    return inner.compile(runs, Set.of());
                }
            };
        }
    }

    private static QuantizationResult exact(Model model, AaFixture f) {
        return AaFixture.run(model, f.context(null).param("ranking", "exact"));
    }

    private static List<?> firstRanking(QuantizationResult r) {
        List<?> entries = (List<?>) ((Map<?, ?>) ((List<?>) r.report().get("rankings")).get(0)).get("entries");
        return entries.stream().map(e -> ((Map<?, ?>) e).get("node") + "=" + ((Map<?, ?>) e).get("score")).toList();
    }

    private static double rankingPasses(QuantizationResult r) {
        return ((Number) ((Map<?, ?>) r.report().get("cost")).get("ranking_passes")).doubleValue();
    }

    @Test
    void suffixesThatAgreeAreUsedAndOnesThatDoNotAreDropped() {
        AaFixture f = new AaFixture();
        QuantizationResult plain = exact(f.model, f);
        Cuttable right = new Cuttable(f.model, false);
        QuantizationResult viaRight = exact(right, f);
        Cuttable wrong = new Cuttable(f.model, true);
        QuantizationResult viaWrong = exact(wrong, f);

        assertEquals(QuantizationResult.Status.TARGET_MET, plain.status());
        assertEquals(plain.report().get("reverted_nodes"), viaRight.report().get("reverted_nodes"));
        assertEquals(plain.report().get("reverted_nodes"), viaWrong.report().get("reverted_nodes"));
        assertEquals(firstRanking(plain), firstRanking(viaRight));
        assertEquals(firstRanking(plain), firstRanking(viaWrong));
        assertTrue(right.compiled.get() > 1, "the agreeing suffixes ran: " + right.compiled.get());
        assertTrue(rankingPasses(viaRight) < rankingPasses(plain), rankingPasses(viaRight) + " vs " + rankingPasses(plain));
        assertEquals(1, wrong.compiled.get(), "only the check ran the wrong suffix");
    }

    @Test
    void useSuffixRunsFalseRanksWithWholeModelsOnly() {
        AaFixture f = new AaFixture();
        Cuttable right = new Cuttable(f.model, false);
        QuantizationResult whole = AaFixture.run(right,
                f.context(null).param("ranking", "exact").param("use_suffix_runs", false));
        assertEquals(0, right.compiled.get(), "use_suffix_runs: false never asks the backend for a suffix");
        assertEquals(firstRanking(exact(f.model, f)), firstRanking(whole));
        assertEquals(Boolean.FALSE, ((Map<?, ?>) whole.report().get("parameters")).get("use_suffix_runs"));
    }
}
