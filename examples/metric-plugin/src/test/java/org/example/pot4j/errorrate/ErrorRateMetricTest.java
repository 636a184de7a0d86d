package org.example.pot4j.errorrate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.Tensor;
import org.pot4j.api.metric.Metric;
import org.pot4j.api.metric.MetricProvider;
import org.pot4j.api.param.NoParameters;

class ErrorRateMetricTest {
    private static List<Tensor> scores(float... values) {
        return List.of(Tensor.ofFloats(new long[] {1, values.length}, values));
    }

    @Test
    void countsWrongArgMaxAsErrors() {
        Metric m = new ErrorRateMetricProvider().create(new NoParameters());
        m.update(scores(0.1f, 0.9f), 1);
        assertEquals(0.0, m.value().get("error_rate"));
        m.update(scores(0.8f, 0.2f), 1);
        assertEquals(1.0, m.value().get("error_rate"));
        m.update(scores(0.3f, 0.7f), 1);
        assertEquals(1.0 / 3, m.avgValue().get("error_rate"), 1e-12);
        assertFalse(m.higherBetter());
        assertEquals("higher-worse", m.attributes().get("error_rate").get("direction"));
    }

    @Test
    void wrongAnnotationIsAPot4jException() {
        Metric m = new ErrorRateMetricProvider().create(new NoParameters());
        assertThrows(Pot4jException.class, () -> m.update(scores(0.1f, 0.9f), "one"));
        assertThrows(Pot4jException.class, () -> m.update(scores(0.1f, 0.9f), 7));
    }

    @Test
    void isRegisteredForServiceLoader() {
        boolean found = false;
        for (MetricProvider<?> p : ServiceLoader.load(MetricProvider.class)) {
            found |= p.name().equals("error_rate");
        }
        assertTrue(found, "META-INF/services entry missing");
    }
}
