package org.pot4j.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.metric.Metric;
import org.pot4j.api.metric.MetricProvider;
import org.pot4j.testkit.AbstractMetricTest;

class NmseMetricTest extends AbstractMetricTest<NmseMetricProvider.Params> {
    @Override
    protected MetricProvider<NmseMetricProvider.Params> provider() {
        return new NmseMetricProvider();
    }

    @Override
    protected List<MetricCase> cases() {
        return List.of(
                MetricCase.of(row(1, 2, 2), row(1, 2, 2), "nmse", 0.0),
                MetricCase.of(row(1, 0), row(2, 0), "nmse", 0.25),        // 1 / 4
                MetricCase.of(row(3, 4), row(0, 5), "nmse", 0.4));        // (9 + 1) / 25
    }

    @Override
    protected Map<String, Double> expectedAverage() {
        return Map.of("nmse", 0.65 / 3);
    }

    @Test
    void doesNotDependOnScale() {
        Metric m = Bound.create(new NmseMetricProvider(), Map.of());
        m.update(List.of(row(1000, 0)), row(2000, 0));
        assertEquals(0.25, m.value().get("nmse"), 1e-12);
        assertFalse(m.higherBetter());
    }

    @Test
    void allZeroReferenceIsReportedNotAveragedAsInfinity() {
        Pot4jException e = assertThrows(Pot4jException.class,
                () -> Bound.create(new NmseMetricProvider(), Map.of()).update(List.of(row(1, 1)), row(0, 0)));
        assertEquals(ErrorCode.METRIC_FAILED, e.code());
        assertTrue(e.getMessage().contains("all-zero") && e.getMessage().contains("mse"), e.getMessage());
    }
}
