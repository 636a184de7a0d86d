package org.pot4j.engine.algorithms.accuracyaware;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** How a screen's subset score becomes a predicted validation drop (fast ranking). */
class ScreenPredictionTest {
    @Test
    void interpolatesBetweenTheNearestAnchorsAndExtrapolatesFromOneSide() {
        // (subset score, drop): FP32 at score 50 with drop 0, the start plan at 40 with drop 0.02
        List<double[]> anchors = List.of(new double[] {50, 0}, new double[] {40, 0.02}, new double[] {45, 0.006});
        assertEquals(0.013, FastSearch.predictDrop(anchors, 42.5), 1e-12, "between 40 and 45");
        assertEquals(0.003, FastSearch.predictDrop(anchors, 47.5), 1e-12, "between 45 and 50");
        assertEquals(0.006, FastSearch.predictDrop(anchors, 45), 1e-12, "on an anchor");
        // worse than every anchor: the line through the two worst
        assertEquals(0.02 + 5 * (0.02 - 0.006) / 5, FastSearch.predictDrop(anchors, 35), 1e-12);
        assertTrue(Double.isNaN(FastSearch.predictDrop(List.of(new double[] {40, 0.02}), 30)), "one anchor predicts nothing");
        assertTrue(Double.isNaN(FastSearch.predictDrop(List.of(), 30)));
    }
}
