package org.pot4j.engine.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.param.NoParameters;
import org.pot4j.engine.algorithms.DefaultQuantization;
import org.pot4j.engine.algorithms.biascorrection.BiasCorrectionParameters;
import org.pot4j.engine.algorithms.minmax.MinMaxParameters;
import org.pot4j.engine.algorithms.minmax.Preset;
import org.pot4j.engine.data.CsvDatasetProvider;
import org.pot4j.engine.data.IdxDatasetProvider;
import org.pot4j.engine.data.NpyDatasetProvider;

/** Each built-in parameter set through the one binder: defaults, a wrong key, a wrong type, a value out of range. */
class ParameterSetsTest {
    private static <T extends Record> T bind(Map<String, ?> params, Class<T> type) {
        return ParamBinder.bind(params, type, "x", "params");
    }

    private static Pot4jException fails(ErrorCode code, Runnable r, String... expected) {
        Pot4jException e = assertThrows(Pot4jException.class, r::run);
        assertEquals(code, e.code(), e.getMessage());
        for (String s : expected) {
            assertTrue(e.getMessage().contains(s), "'" + s + "' in: " + e.getMessage());
        }
        return e;
    }

    @Test
    void idx() {
        IdxDatasetProvider.Options d = bind(Map.of("images", "i.idx"), IdxDatasetProvider.Options.class);
        assertEquals(1.0 / 255.0, d.scale());
        assertArrayEquals(new double[] {0.0}, d.mean());
        assertArrayEquals(new double[] {1.0}, d.std());
        assertTrue(d.channelsFirst());
        assertEquals("input", d.inputName());
        assertNull(d.labels());
        assertArrayEquals(new double[] {0.1, 0.2, 0.3}, bind(Map.of("images", "i", "mean", List.of(0.1, 0.2, 0.3)),
                IdxDatasetProvider.Options.class).mean());
        fails(ErrorCode.CONFIG_UNKNOWN_KEY, () -> bind(Map.of("images", "i", "chanels_first", true), IdxDatasetProvider.Options.class),
                "params.chanels_first", "did you mean 'channels_first'");
        fails(ErrorCode.CONFIG_INVALID, () -> bind(Map.of("images", "i", "channels_first", 1), IdxDatasetProvider.Options.class),
                "params.channels_first", "true or false");
        fails(ErrorCode.CONFIG_INVALID, () -> bind(Map.of("images", 5), IdxDatasetProvider.Options.class), "params.images", "a string");
        fails(ErrorCode.CONFIG_INVALID, () -> bind(Map.of(), IdxDatasetProvider.Options.class), "params.images", "is required");
    }

    @Test
    void csv() {
        CsvDatasetProvider.Options d = bind(Map.of("path", "d.csv"), CsvDatasetProvider.Options.class);
        assertTrue(d.hasHeader());
        assertEquals(",", d.delimiter());
        assertEquals("input", d.inputName());
        assertEquals(-1, ((Number) bind(Map.of("path", "d", "label_column", -1), CsvDatasetProvider.Options.class).labelColumn()).intValue());
        fails(ErrorCode.CONFIG_INVALID, () -> bind(Map.of("path", "d", "delimiter", ";;"), CsvDatasetProvider.Options.class),
                "delimiter must be one character");
        fails(ErrorCode.CONFIG_INVALID, () -> bind(Map.of("path", "d", "has_header", "sometimes"), CsvDatasetProvider.Options.class),
                "params.has_header");
    }

    @Test
    void npy() {
        NpyDatasetProvider.Options d = bind(Map.of("path", "f"), NpyDatasetProvider.Options.class);
        assertNull(d.inputs());
        assertEquals(List.of("input_ids"), bind(Map.of("path", "f", "inputs", "input_ids"), NpyDatasetProvider.Options.class).inputs());
        fails(ErrorCode.CONFIG_UNKNOWN_KEY, () -> bind(Map.of("path", "f", "label", "l.npy"), NpyDatasetProvider.Options.class),
                "did you mean 'labels'", "valid keys: [inputs, labels, path]");
    }

    @Test
    void minMaxDefaultsAreTheSeedsOnes() {
        MinMaxParameters p = MinMaxParameters.parse("DefaultQuantization", Map.of());
        assertEquals(Preset.PERFORMANCE, p.preset());
        assertEquals("ANY", p.targetDevice());
        assertEquals(300, p.statSubsetSize());
        assertEquals(0, p.statBatchSize());
        assertFalse(p.shuffleData());
        assertEquals(0, p.seed());
        assertEquals(8, p.activationBits());
        assertTrue(p.symmetricActivations());
        assertEquals("default", p.activationRange().description());
        assertEquals(8, p.weightBits());
        assertTrue(p.perChannelWeights());
        assertEquals(0.0, p.weightOutlierProb());
        assertTrue(p.ignored().isEmpty());
        // POT's spellings: case-insensitive names, numbers as text, the quantile shortcut for weights too
        MinMaxParameters q = MinMaxParameters.parse("DefaultQuantization", Map.of("preset", "Mixed", "target_device", "cpu",
                "stat_subset_size", "64", "seed", 7.0, "range_estimator", "quantile", "ignored", List.of("conv1", 12)));
        assertEquals(Preset.MIXED, q.preset());
        assertEquals("CPU", q.targetDevice());
        assertEquals(64, q.statSubsetSize());
        assertEquals(7, q.seed());
        assertEquals(1e-4, q.weightOutlierProb());
        assertEquals(java.util.Set.of("conv1", "12"), q.ignored().names());
    }

    @Test
    void minMaxErrorsNameTheKeyPath() {
        fails(ErrorCode.CONFIG_INVALID, () -> MinMaxParameters.parse("M", Map.of("stat_subset_size", 0)),
                "params.stat_subset_size of algorithm 'M' must be at least 1, got 0");
        fails(ErrorCode.CONFIG_INVALID, () -> MinMaxParameters.parse("M", Map.of("preset", "fastest")),
                "params.preset", "use one of [mixed, performance]");
        fails(ErrorCode.CONFIG_UNKNOWN_KEY, () -> MinMaxParameters.parse("M", Map.of("activations",
                Map.of("range_estimator", Map.of("max", Map.of("typ", "max"))))),
                "params.activations.range_estimator.max.typ", "did you mean 'type'");
        fails(ErrorCode.CONFIG_INVALID, () -> MinMaxParameters.parse("M", Map.of("activations", 8)),
                "params.activations", "must be a map such as");
        fails(ErrorCode.CONFIG_INVALID, () -> MinMaxParameters.parse("M", Map.of("weights",
                Map.of("range_estimator", Map.of("max", Map.of("type", "abs_quantile", "outlier_prob", 0.7))))),
                "params.weights.range_estimator.max.outlier_prob", "(0, 0.5)");
        fails(ErrorCode.CONFIG_INVALID, () -> MinMaxParameters.parse("M", Map.of("model_type", "transformer",
                "activations", Map.of("outlier_channels", Map.of("max_channels", 2000)))),
                "params.activations.outlier_channels.max_channels", "in [0, 1024]");
        fails(ErrorCode.CONFIG_INVALID, () -> MinMaxParameters.parse("M", Map.of("ignored", Map.of("kinds", List.of("convv")))),
                "params.ignored.kinds", "did you mean 'conv'");
    }

    @Test
    void defaultQuantizationChecksItsKeysOnceAndBiasCorrectionItsValues() {
        DefaultQuantization.check("DefaultQuantization", Map.of("use_fast_bias", false, "threshold", 5), DefaultQuantization.PARAMETER_NAMES);
        fails(ErrorCode.CONFIG_UNKNOWN_KEY, () -> DefaultQuantization.check("DefaultQuantization", Map.of("use_fast_bais", false),
                DefaultQuantization.PARAMETER_NAMES), "params.use_fast_bais", "did you mean 'use_fast_bias'");
        fails(ErrorCode.CONFIG_INVALID, () -> DefaultQuantization.check("DefaultQuantization", Map.of("use_fast_bias", "often"),
                DefaultQuantization.PARAMETER_NAMES), "params.use_fast_bias", "true or false");
        fails(ErrorCode.CONFIG_INVALID, () -> BiasCorrectionParameters.parse("D", Map.of("threshold", -1)),
                "params.threshold", "greater than 0");
        assertEquals(2.0, BiasCorrectionParameters.parse("D", Map.of()).threshold());
    }

    @Test
    void recordsWithoutParametersRejectEveryKey() {
        fails(ErrorCode.CONFIG_UNKNOWN_KEY, () -> bind(Map.of("x", 1), NoParameters.class), "unknown key 'x'", "valid keys: []");
        assertEquals(new NoParameters(), bind(null, NoParameters.class));
    }
}
