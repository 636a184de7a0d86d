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
import org.pot4j.api.Tensor;
import org.pot4j.api.metric.Metric;
import org.pot4j.api.metric.MetricProvider;
import org.pot4j.testkit.AbstractMetricTest;

class MseMetricTest extends AbstractMetricTest<MseMetricProvider.Params> {
    @Override
    protected MetricProvider<MseMetricProvider.Params> provider() {
        return new MseMetricProvider();
    }

    @Override
    protected List<MetricCase> cases() {
        return List.of(
                MetricCase.of(row(1, 2, 3), row(1, 2, 3), "mse", 0.0),
                MetricCase.of(row(1, 2, 3), row(2, 2, 5), "mse", 5.0 / 3.0),
                MetricCase.of(row(1, 1, 1), Tensor.ofDoubles(new long[] {1, 3}, new double[] {0, 0, 0}), "mse", 1.0));
    }

    @Override
    protected Map<String, Double> expectedAverage() {
        return Map.of("mse", (0 + 5.0 / 3.0 + 1) / 3);
    }

    @Test
    void isHigherWorse() {
        Metric m = Bound.create(new MseMetricProvider(), Map.of());
        assertFalse(m.higherBetter());
        assertEquals("higher-worse", m.attributes().get("mse").get("direction"));
    }

    @Test
    void comparesTheFirstOutputUnlessToldOtherwise() {
        Metric first = Bound.create(new MseMetricProvider(), Map.of());
        first.update(List.of(row(1, 1), row(5, 5)), row(1, 1));
        assertEquals(0.0, first.value().get("mse"));
        Metric second = Bound.create(new MseMetricProvider(), Map.of("output_index", 1));
        second.update(List.of(row(1, 1), row(5, 5)), row(1, 1));
        assertEquals(16.0, second.value().get("mse"), 1e-12);
        Pot4jException e = assertThrows(Pot4jException.class, () -> Bound.create(new MseMetricProvider(), Map.of("output_index", 2)).update(List.of(row(1, 1)), row(1, 1)));
        assertTrue(e.getMessage().contains("output 2") && e.getMessage().contains("1 output"), e.getMessage());
    }

    @Test
    void shapeMismatchIsReported() {
        Pot4jException e = assertThrows(Pot4jException.class,
                () -> Bound.create(new MseMetricProvider(), Map.of()).update(List.of(row(1, 2, 3)), row(1, 2)));
        assertEquals(ErrorCode.METRIC_FAILED, e.code());
        assertTrue(e.getMessage().contains("3 elements") && e.getMessage().contains("2"), e.getMessage());
    }

    @Test
    void acceptsScalarAndArrayReferences() {
        Metric m = Bound.create(new MseMetricProvider(), Map.of());
        m.update(List.of(row(3)), 1.0);
        assertEquals(4.0, m.value().get("mse"), 1e-12);
        m.update(List.of(row(3, 4)), new float[] {3, 2});
        assertEquals(2.0, m.value().get("mse"), 1e-12);
        m.update(List.of(row(3, 4)), new double[] {3, 4});
        assertEquals(0.0, m.value().get("mse"), 1e-12);
    }

    @Test
    void negativeOutputIndexIsAParameterError() {
        Pot4jException e = assertThrows(Pot4jException.class, () -> Bound.create(new MseMetricProvider(), Map.of("output_index", -1)));
        assertEquals(ErrorCode.CONFIG_INVALID, e.code());
        assertTrue(e.getMessage().contains("output_index"), e.getMessage());
    }
}
