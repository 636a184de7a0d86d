package org.pot4j.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.metric.MetricProvider;
import org.pot4j.engine.config.ParamBinder;

/** Every metric's parameter record through the engine's binder: defaults, a wrong key, a wrong type, out of range. */
class MetricParametersTest {
    private static <P extends Record> P bind(MetricProvider<P> p, Map<String, ?> params) {
        return ParamBinder.bind(params, p.parameters(), "metric '" + p.name() + "'", "params");
    }

    private static void fails(ErrorCode code, MetricProvider<?> p, Map<String, ?> params, String... expected) {
        Pot4jException e = assertThrows(Pot4jException.class, () -> bind(p, params));
        assertEquals(code, e.code(), e.getMessage());
        assertTrue(e.getMessage().contains("metric '" + p.name() + "'"), e.getMessage());
        for (String s : expected) {
            assertTrue(e.getMessage().contains(s), "'" + s + "' in: " + e.getMessage());
        }
    }

    @Test
    void defaultsAreTheDocumentedOnes() {
        assertEquals(1, bind(new AccuracyMetricProvider(), Map.of()).topK());
        assertEquals(0, bind(new MseMetricProvider(), Map.of()).outputIndex());
        NmseMetricProvider.Params nmse = bind(new NmseMetricProvider(), Map.of());
        assertEquals(0, nmse.outputIndex());
        assertNull(nmse.maskInput());
        CosineSimilarityMetricProvider.Params cos = bind(new CosineSimilarityMetricProvider(), Map.of());
        assertNull(cos.axisMean());
        SentenceCosineMetricProvider.Params s = bind(new SentenceCosineMetricProvider(), Map.of());
        assertEquals("mean", s.pooling());
        assertEquals("mean", s.aggregate());
        // a key given as null keeps its default (YAML "top_k:")
        java.util.Map<String, Object> nullTopK = new java.util.HashMap<>();
        nullTopK.put("top_k", null);
        assertEquals(1, bind(new AccuracyMetricProvider(), nullTopK).topK());
    }

    @Test
    void wrongKeysTypesAndRanges() {
        fails(ErrorCode.CONFIG_UNKNOWN_KEY, new AccuracyMetricProvider(), Map.of("topk", 2), "params.topk",
                "did you mean 'top_k'", "valid keys: [top_k]");
        fails(ErrorCode.CONFIG_INVALID, new AccuracyMetricProvider(), Map.of("top_k", 0), "params.top_k", "at least 1, got 0");
        fails(ErrorCode.CONFIG_INVALID, new MseMetricProvider(), Map.of("output_index", "first"), "params.output_index",
                "whole number");
        fails(ErrorCode.CONFIG_INVALID, new NmseMetricProvider(), Map.of("mask_input", " "), "mask_input must name a model input");
        fails(ErrorCode.CONFIG_INVALID, new NmseMetricProvider(), Map.of("mask_input", 3), "params.mask_input", "a string");
        fails(ErrorCode.CONFIG_INVALID, new CosineSimilarityMetricProvider(), Map.of("axis_mean", 1.5), "params.axis_mean");
        fails(ErrorCode.CONFIG_INVALID, new SentenceCosineMetricProvider(), Map.of("aggregate", "max"), "aggregate must be one of");
        fails(ErrorCode.CONFIG_UNKNOWN_KEY, new F1MetricProvider(), Map.of("average", "micro"), "params.average", "valid keys: []");
    }
}
