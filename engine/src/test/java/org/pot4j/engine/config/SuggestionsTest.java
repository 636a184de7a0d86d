package org.pot4j.engine.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

class SuggestionsTest {
    private static final List<String> KEYS = List.of("batch_size", "threads", "benchmark", "calibration_dataset", "metrics");

    @Test
    void suggestsTheClosestKey() {
        assertEquals("batch_size", Suggestions.closest("batch_sise", KEYS));
        assertEquals("batch_size", Suggestions.closest("batchSize", KEYS), "camelCase maps to snake_case");
        assertEquals("threads", Suggestions.closest("thraeds", KEYS), "a transposition is one edit");
        assertEquals("metrics", Suggestions.closest("metric", KEYS));
        assertEquals("calibration_dataset", Suggestions.closest("calibration_data", KEYS));
    }

    @Test
    void suggestsNothingForUnrelatedWords() {
        assertNull(Suggestions.closest("model", KEYS));
        assertNull(Suggestions.closest("xyz", KEYS));
        assertEquals("", Suggestions.didYouMean("xyz", KEYS));
    }

    @Test
    void distanceCountsEdits() {
        assertEquals(0, Suggestions.distance("abc", "abc"));
        assertEquals(1, Suggestions.distance("abc", "abd"));
        assertEquals(1, Suggestions.distance("abc", "acb"));
        assertEquals(3, Suggestions.distance("", "abc"));
    }
}
