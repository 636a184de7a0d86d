package org.pot4j.engine.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.param.Range;

class ParamBinderTest {
    enum Preset { performance, mixed }

    record Params(@Range(min = 1) int statSubsetSize, Preset preset, List<String> ignored,
                  @Range(min = 0, max = 1) double maximalDrop) {
        static Params defaults() {
            return new Params(300, Preset.performance, List.of(), 0.01);
        }

        Params {
            if (ignored.contains("")) {
                throw new IllegalArgumentException("ignored names must not be empty");
            }
        }
    }

    /** Names of every shape the api's plugin description must spell as the binder (Jackson) does. */
    record Names(int topK, int outputIndex, int maxURL, int a, int fp32Output, int int8Kernels, int x2Y, int aBC,
                 int useFastBias) {
    }

    @Test
    void theApisKeyRuleIsTheBindersRule() {
        // plugins list their keys through org.pot4j.api.param.Parameters (JDK only), the binder through Jackson
        assertEquals(ParamBinder.keys(Names.class), org.pot4j.api.param.Parameters.keys(Names.class));
    }

    private static Pot4jException fails(Map<String, ?> params) {
        return assertThrows(Pot4jException.class, () -> ParamBinder.bind(params, Params.class, "algorithm 'X'", "params"));
    }

    @Test
    void bindsSnakeCaseKeysOverTheDefaults() {
        Params p = ParamBinder.bind(Map.of("stat_subset_size", 5, "maximal_drop", new BigDecimal("0.5"), "ignored", "conv1"),
                Params.class, "algorithm 'X'", "params");
        assertEquals(new Params(5, Preset.performance, List.of("conv1"), 0.5), p);
        assertEquals(Params.defaults(), ParamBinder.bind(Map.of(), Params.class, "x", "params"));
        assertEquals(Set.of("stat_subset_size", "preset", "ignored", "maximal_drop"), ParamBinder.keys(Params.class));
    }

    @Test
    void unknownKeysWrongTypesRangesAndConstructorChecksAreOneClearError() {
        Pot4jException unknown = fails(Map.of("stat_subset_sise", 5));
        assertEquals(ErrorCode.CONFIG_UNKNOWN_KEY, unknown.code());
        assertTrue(unknown.getMessage().contains("did you mean 'stat_subset_size'"), unknown.getMessage());
        Pot4jException type = fails(Map.of("stat_subset_size", "many"));
        assertEquals(ErrorCode.CONFIG_INVALID, type.code());
        assertTrue(type.getMessage().contains("params.stat_subset_size") && type.getMessage().contains("whole number"),
                type.getMessage());
        Pot4jException fraction = fails(Map.of("stat_subset_size", 2.5));
        assertTrue(fraction.getMessage().contains("params.stat_subset_size"), fraction.getMessage());
        Pot4jException range = fails(Map.of("maximal_drop", 2));
        assertTrue(range.getMessage().contains("params.maximal_drop") && range.getMessage().contains("[0, 1]"), range.getMessage());
        Pot4jException zero = fails(Map.of("stat_subset_size", 0));
        assertTrue(zero.getMessage().contains("params.stat_subset_size"), zero.getMessage());
        Pot4jException preset = fails(Map.of("preset", "fast"));
        assertTrue(preset.getMessage().contains("params.preset") && preset.getMessage().contains("mixed"), preset.getMessage());
        Pot4jException ctor = fails(Map.of("ignored", List.of("")));
        assertEquals(ErrorCode.CONFIG_INVALID, ctor.code());
        assertTrue(ctor.getMessage().contains("must not be empty"), ctor.getMessage());
    }

    @Test
    void bindKnownLeavesOtherRecordsKeysAlone() {
        Params p = ParamBinder.bindKnown(Map.of("preset", "mixed", "threshold", 3), Params.class, "x", "params");
        assertEquals(Preset.mixed, p.preset());
    }
}
