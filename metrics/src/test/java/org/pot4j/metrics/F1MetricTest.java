package org.pot4j.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.metric.Metric;
import org.pot4j.api.metric.MetricProvider;
import org.pot4j.testkit.AbstractMetricTest;

class F1MetricTest extends AbstractMetricTest<org.pot4j.api.param.NoParameters> {
    @Override
    protected MetricProvider<org.pot4j.api.param.NoParameters> provider() {
        return new F1MetricProvider();
    }

    /** Labels 0,0,1,1,2 predicted as 0,1,1,2,2. */
    @Override
    protected List<MetricCase> cases() {
        return List.of(
                MetricCase.of(row(0.9f, 0.05f, 0.05f), 0, "f1", 1.0),
                MetricCase.of(row(0.1f, 0.8f, 0.1f), 0, "f1", 0.0),
                MetricCase.of(row(0.1f, 0.8f, 0.1f), 1, "f1", 1.0),
                MetricCase.of(row(0.1f, 0.1f, 0.8f), 1, "f1", 0.0),
                MetricCase.of(row(0.1f, 0.1f, 0.8f), 2, "f1", 1.0));
    }

    /** Class F1 = 2TP/(2TP+FP+FN): 2/3, 2/4, 2/3; macro mean 0.6111 (scikit-learn agrees). */
    @Override
    protected Map<String, Double> expectedAverage() {
        return Map.of("f1", (2.0 / 3 + 0.5 + 2.0 / 3) / 3);
    }

    @Test
    void isADatasetLevelMetric() {
        assertFalse(Bound.create(new F1MetricProvider(), Map.of()).perSample());
    }

    @Test
    void classesThatNeverOccurAreLeftOutOfTheMean() {
        Metric m = Bound.create(new F1MetricProvider(), Map.of());
        m.update(List.of(row(0.9f, 0.1f, 0f, 0f)), 0);
        m.update(List.of(row(0.1f, 0.9f, 0f, 0f)), 1);
        assertEquals(1.0, m.avgValue().get("f1"), 1e-12, "classes 2 and 3 never occur");
    }

    @Test
    void changingClassCountIsReported() {
        Metric m = Bound.create(new F1MetricProvider(), Map.of());
        m.update(List.of(row(0.9f, 0.1f)), 0);
        Pot4jException e = assertThrows(Pot4jException.class, () -> m.update(List.of(row(0.9f, 0.1f, 0f)), 0));
        assertTrue(e.getMessage().contains("3 classes") && e.getMessage().contains("2"), e.getMessage());
    }

    @Test
    void takesNoParameters() {
        Pot4jException e = assertThrows(Pot4jException.class, () -> Bound.create(new F1MetricProvider(), Map.of("average", "micro")));
        assertTrue(e.getMessage().contains("'average'") && e.getMessage().contains("valid keys: []"), e.getMessage());
    }
}
