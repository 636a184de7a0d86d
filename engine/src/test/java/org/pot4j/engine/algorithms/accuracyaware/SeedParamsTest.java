package org.pot4j.engine.algorithms.accuracyaware;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.pot4j.engine.algorithms.accuracyaware.AaFixture.metric;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.model.Model;
import org.pot4j.api.quant.AlgorithmContext;
import org.pot4j.api.quant.QuantizationAlgorithm;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.api.quant.QuantizationResult;
import org.pot4j.engine.testing.TestAlgorithmContext;

/**
 * AccuracyAwareQuantization's parameters against the seeds (POT's algorithm page and NNCF's
 * accuracy-control page): defaults, convert_to_mixed_preset, max_iter_num 0 and baseline_value.
 * See docs/seed-conformance.md.
 */
class SeedParamsTest {
    /** The base algorithm of the fixture, recording the params of every run. */
    private static final class Recording implements QuantizationAlgorithm {
        final List<Map<String, Object>> runs = Collections.synchronizedList(new ArrayList<>());
        final List<QuantizationPlan> plans = Collections.synchronizedList(new ArrayList<>());

        @Override
        public String name() {
            return "DefaultQuantization";
        }

        @Override
        public Set<String> parameterNames() {
            return AaFixture.BASE_NAMES;
        }

        @Override
        public QuantizationResult run(Model model, AlgorithmContext context) {
            runs.add(Map.copyOf(context.params()));
            QuantizationResult r = AaFixture.sensitiveQuantizer().run(model, context);
            plans.add(r.plan());
            return r;
        }
    }

    private static TestAlgorithmContext recorded(AaFixture f, Recording base) {
        TestAlgorithmContext c = f.context(null);
        c.withAlgorithm("DefaultQuantization", () -> base);
        return c;
    }

    @Test
    void defaultsAreTheSeedOnes() {
        AccuracyAwareParams p = AccuracyAwareParams.parse(Map.of(), 2);
        assertEquals(0.01, p.maximalDrop()); // POT usage page and NNCF max_drop: 0.01
        assertEquals(DropType.ABSOLUTE, p.dropType());
        assertEquals(300, p.rankingSubsetSize());
        assertEquals(30, p.maxIterNum());
        assertFalse(p.usePrevIfDropIncrease());
        assertEquals("DefaultQuantization", p.baseAlgorithm());
        assertFalse(p.convertToMixedPreset());
        assertEquals(0.5, p.metricSubsetRatio());
        assertFalse(p.errorOnTargetMissed(), "a missed target returns BEST_EFFORT unless on_target_missed: error");
        assertEquals(ErrorCode.CONFIG_INVALID, assertThrows(Pot4jException.class,
                () -> AccuracyAwareParams.parse(Map.of("on_target_missed", "raise"), 2)).code());
    }

    @Test
    void targetDeviceAcceptsOnlyTheValuesThatMeanSomething() {
        for (String ok : List.of("ANY", "CPU", "cpu")) {
            assertEquals(ok.toUpperCase(java.util.Locale.ROOT),
                    org.pot4j.engine.algorithms.minmax.MinMaxParameters.parse("DefaultQuantization", Map.of("target_device", ok))
                            .targetDevice());
        }
        for (String ignored : List.of("GPU", "NPU", "CPU_SPR", "GNA")) {
            Pot4jException e = assertThrows(Pot4jException.class, () -> org.pot4j.engine.algorithms.minmax.MinMaxParameters
                    .parse("DefaultQuantization", Map.of("target_device", ignored)));
            assertEquals(ErrorCode.CONFIG_INVALID, e.code());
            assertTrue(e.getMessage().contains(ignored) && e.getMessage().contains("use ANY or CPU"), e.getMessage());
        }
    }

    @Test
    void byDefaultThePresetIsNotConvertedToMixed() {
        AaFixture f = new AaFixture();
        Recording base = new Recording();
        QuantizationResult r = f.run(recorded(f, base).param("max_iter_num", 1));
        assertEquals(QuantizationResult.Status.BEST_EFFORT, r.status(), "the target is missed after one revert");
        assertEquals(1, base.runs.size(), "convert_to_mixed_preset defaults to false: one base run only");
        assertEquals(Boolean.FALSE, r.report().get("preset_converted_to_mixed"));
    }

    @Test
    void convertToMixedPresetRerunsTheBaseWithMixedAndContinuesFromThatPlan() {
        AaFixture f = new AaFixture();
        Recording base = new Recording();
        QuantizationResult r = f.run(recorded(f, base).param("convert_to_mixed_preset", true));
        assertEquals(2, base.runs.size(), base.runs.toString());
        assertNull(base.runs.get(0).get("preset"));
        assertEquals("mixed", base.runs.get(1).get("preset"));
        assertEquals(Boolean.TRUE, r.report().get("preset_converted_to_mixed"));
        QuantizationPlan mixed = base.plans.get(1);
        assertNotEquals(base.plans.get(0), mixed);
        // the value reported for the mixed plan is that plan's accuracy
        assertEquals(f.accuracy(mixed), (double) metric(r, "accuracy@top1").get("int8_mixed"), 1e-12);
        // the search continued from the mixed plan: every quantizer it kept is the mixed one
        assertEquals(QuantizationResult.Status.TARGET_MET, r.status());
        r.plan().activations().forEach((tensor, q) -> {
            if (mixed.activations().containsKey(tensor)) {
                assertEquals(mixed.activations().get(tensor), q, tensor);
            }
        });
        assertTrue(r.plan().activations().values().stream().anyMatch(q -> !q.signed() && q.zeroPoint() != 0),
                "the mixed preset's asymmetric activations are in the final plan");
    }

    @Test
    void convertToMixedPresetIsSkippedAndSaidSoWhenThePresetIsAlreadyMixed() {
        AaFixture f = new AaFixture();
        Recording base = new Recording();
        List<String> messages = Collections.synchronizedList(new ArrayList<>());
        TestAlgorithmContext c = recorded(f, base).param("convert_to_mixed_preset", true).param("preset", "mixed");
        c.withProgress(new Messages(messages));
        QuantizationResult r = f.run(c);
        assertEquals(1, base.runs.size(), "no second base run: " + base.runs);
        assertEquals(Boolean.FALSE, r.report().get("preset_converted_to_mixed"));
        assertEquals("the preset is already mixed", r.report().get("convert_to_mixed_preset_skipped"));
        assertTrue(messages.stream().anyMatch(m -> m.contains("convert_to_mixed_preset skipped")), messages.toString());
    }

    @Test
    void maxIterNumZeroRunsNoRanking() {
        for (String ranking : List.of("exact", "fast")) { // POT's procedure and pot4j's default (issue 15)
            AaFixture f = new AaFixture();
            List<String> stages = Collections.synchronizedList(new ArrayList<>());
            TestAlgorithmContext c = f.context(null).param("max_iter_num", 0).param("ranking", ranking);
            c.withProgress(new Messages(new ArrayList<>(), stages));
            QuantizationResult r = f.run(c);
            assertEquals(QuantizationResult.Status.BEST_EFFORT, r.status(), ranking);
            assertEquals(List.of(), r.report().get("rankings"), ranking);
            assertTrue(stages.stream().noneMatch(s -> s.startsWith("rank")), ranking + ": " + stages);
            assertTrue(((String) r.report().get("stop_reason")).contains("max_iter_num"), ranking);
            // one iteration allowed: one ranking
            QuantizationResult one = f.run(f.context(null).param("max_iter_num", 1).param("ranking", ranking));
            assertEquals(1, ((List<?>) one.report().get("rankings")).size(), ranking);
        }
    }

    @Test
    void aBaselineValueIsUsedAsGivenWithOneWarningWhenFarOff() {
        AaFixture f = new AaFixture();
        double measured = f.accuracy(QuantizationPlan.EMPTY);
        List<String> messages = Collections.synchronizedList(new ArrayList<>());
        TestAlgorithmContext c = f.context(null).param("metrics", List.of(Map.of("name", "accuracy@top1", "baseline_value", 0.5)));
        c.withProgress(new Messages(messages));
        QuantizationResult r = f.run(c);
        Map<String, Object> m = metric(r, "accuracy@top1");
        assertEquals(0.5, (double) m.get("baseline"), "the configured baseline_value is used as given");
        assertEquals("config", m.get("baseline_source"));
        List<String> warnings = messages.stream().filter(s -> s.contains("baseline_value")).toList();
        assertEquals(1, warnings.size(), messages.toString());
        // both values: the configured one and the FP32 value measured on the compared samples
        assertTrue(warnings.get(0).matches(".*baseline_value 0\\.5 .*FP32 value 0\\.9\\d+ measured on \\d+ samples.*"), warnings.get(0));
        // with a baseline of 0.5 the fully quantized model already "meets" a 1-point drop
        assertEquals(QuantizationResult.Status.TARGET_MET, r.status());
        assertTrue(((List<?>) r.report().get("reverted_nodes")).isEmpty());

        List<String> quiet = Collections.synchronizedList(new ArrayList<>());
        TestAlgorithmContext close = f.context(null).param("metrics", List.of(Map.of("name", "accuracy@top1", "baseline_value", measured)));
        close.withProgress(new Messages(quiet));
        f.run(close);
        assertTrue(quiet.stream().noneMatch(s -> s.contains("baseline_value")), quiet.toString());
    }

}
