package org.pot4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.Tensor;
import org.pot4j.api.metric.Metric;
import org.pot4j.api.metric.MetricProvider;
import org.pot4j.api.param.Parameters;

/**
 * Conformance tests every metric plugin inherits: extend it, name the provider, give a few
 * samples with hand-computed expectations, and the POT metric contract is checked for you.
 *
 * <p>What it checks: the provider declares its parameters as a record (unknown keys, types and
 * ranges are the engine's binder's job) whose keys are snake_case and which has defaults;
 * {@code attributes()} has a {@code direction} consistent
 * with {@code higherBetter()} and a {@code type}, under the same keys {@code value()} and
 * {@code avgValue()} use; {@code avgValue()} after N updates equals the expectation;
 * {@code value()} is the last sample's value; {@code reset()} forgets everything; and a wrong
 * annotation or missing outputs give a {@link Pot4jException}, never a {@code ClassCastException}
 * or another raw runtime exception.
 *
 * <pre>{@code
 * class ErrorRateMetricTest extends AbstractMetricTest<NoParameters> {
 *     protected MetricProvider<NoParameters> provider() { return new ErrorRateProvider(); }
 *     protected List<MetricCase> cases() {
 *         return List.of(MetricCase.of(row(0.1f, 0.9f), 1, "error_rate", 0.0),
 *                        MetricCase.of(row(0.8f, 0.2f), 1, "error_rate", 1.0));
 *     }
 *     protected Map<String, Double> expectedAverage() { return Map.of("error_rate", 0.5); }
 * }
 * }</pre>
 */
public abstract class AbstractMetricTest<P extends Record> {

    /**
     * One sample for the metric: model outputs (batch dimension 1), the annotation, and the
     * {@code value()} expected right after updating with it (null when the metric does not define
     * a per-sample value).
     *
     * @param outputs       model outputs in model output order
     * @param annotation    the sample's annotation
     * @param expectedValue expected {@code value()} after this update, or null to skip that check
     */
    public record MetricCase(List<Tensor> outputs, Object annotation, Map<String, Double> expectedValue) {
        /** Validates. */
        public MetricCase {
            outputs = List.copyOf(Objects.requireNonNull(outputs, "outputs"));
        }

        /** A single-output case whose metric has one key, {@code expected} its value. */
        public static MetricCase of(Tensor output, Object annotation, String key, double expected) {
            return new MetricCase(List.of(output), annotation, Map.of(key, expected));
        }
    }

    /** The provider under test. */
    protected abstract MetricProvider<P> provider();

    /** Parameters for the metric under test (default: the record's defaults). */
    protected P params() {
        return Parameters.defaults(provider().parameters());
    }

    /**
     * At least two samples, fed in order; give two with different expected values so that a
     * {@code value()} stuck on the first sample or on the average is caught.
     */
    protected abstract List<MetricCase> cases();

    /** {@code avgValue()} expected after updating with every case in order. */
    protected abstract Map<String, Double> expectedAverage();

    /**
     * Annotations of a wrong type for the first case's outputs. The default (a String, a plain
     * Object and null) suits metrics that need an annotation; override for metrics that ignore it.
     */
    protected List<Object> wrongAnnotations() {
        List<Object> wrong = new ArrayList<>();
        wrong.add("not an annotation");
        wrong.add(new Object());
        wrong.add(null);
        return wrong;
    }

    /** Absolute tolerance for comparing metric values. */
    protected double tolerance() {
        return 1e-9;
    }

    /** A FLOAT32 tensor with a leading batch dimension of 1: {@code [1, values.length]}. */
    protected static Tensor row(float... values) {
        return Tensor.ofFloats(new long[] {1, values.length}, values.clone());
    }

    /** A new metric from {@link #provider()} with {@link #params()}. */
    protected final Metric newMetric() {
        Metric m = provider().create(params());
        assertNotNull(m, "provider " + provider().name() + " returned null from create()");
        return m;
    }

    @Test
    void providerHasNameAndDeclaresItsParameters() {
        MetricProvider<P> p = provider();
        assertNotNull(p.name(), "name()");
        assertTrue(p.name().matches("[A-Za-z][A-Za-z0-9_.-]*"), "metric name '" + p.name() + "' must be a plain config name");
        assertNotNull(p.parameters(), "parameters()");
        assertTrue(p.parameters().isRecord(), "parameters() must be a record type");
        for (String key : p.parameterNames()) {
            assertTrue(key.matches("[a-z][a-z0-9_]*"), "parameter key '" + key + "' must be snake_case");
        }
        P defaults = Parameters.defaults(p.parameters());
        assertNotNull(defaults, "the parameter record needs defaults (a static defaults() or values its constructor accepts"
                + " as null/0/false), so a config without params works");
        assertNotNull(p.create(defaults), "create(defaults) must give a metric with default parameters");
    }

    @Test
    void attributesHaveDirectionConsistentWithHigherBetterAndAType() {
        Metric m = newMetric();
        Map<String, Map<String, String>> attrs = m.attributes();
        assertNotNull(attrs, "attributes()");
        assertFalse(attrs.isEmpty(), "attributes() must name at least one metric");
        String direction = m.higherBetter() ? "higher-better" : "higher-worse";
        for (Map.Entry<String, Map<String, String>> e : attrs.entrySet()) {
            assertNotNull(e.getValue(), "attributes of " + e.getKey());
            assertEquals(direction, e.getValue().get("direction"),
                    "direction of '" + e.getKey() + "' must agree with higherBetter()=" + m.higherBetter());
            String type = e.getValue().get("type");
            assertTrue(type != null && !type.isBlank(), "'" + e.getKey() + "' needs a type attribute");
        }
        MetricCase first = cases().get(0);
        m.update(first.outputs(), first.annotation());
        assertEquals(attrs.keySet(), m.value().keySet(), "value() keys must be the attribute keys");
        assertEquals(attrs.keySet(), m.avgValue().keySet(), "avgValue() keys must be the attribute keys");
    }

    @Test
    void avgValueAfterAllUpdatesMatchesExpectation() {
        Metric m = newMetric();
        for (MetricCase c : cases()) {
            m.update(c.outputs(), c.annotation());
        }
        assertValues(expectedAverage(), m.avgValue(), "avgValue() after " + cases().size() + " updates");
        // reading values must not change the state
        assertValues(expectedAverage(), m.avgValue(), "avgValue() read twice");
    }

    @Test
    void valueReflectsTheLastUpdate() {
        List<MetricCase> cases = cases();
        assertTrue(cases.size() >= 2, "cases() must give at least two samples");
        Set<Map<String, Double>> distinct = new LinkedHashSet<>();
        Metric m = newMetric();
        for (int i = 0; i < cases.size(); i++) {
            MetricCase c = cases.get(i);
            m.update(c.outputs(), c.annotation());
            if (c.expectedValue() != null) {
                assertValues(c.expectedValue(), m.value(), "value() after update " + (i + 1));
                distinct.add(c.expectedValue());
            }
        }
        if (m.perSample()) {
            assertTrue(distinct.size() >= 2, "a per-sample metric's cases() must include two samples with different "
                    + "expected values, so that value() is really checked against the last update");
        }
    }

    @Test
    void resetForgetsEverything() {
        List<MetricCase> cases = cases();
        MetricCase last = cases.get(cases.size() - 1);
        Metric m = newMetric();
        for (MetricCase c : cases) {
            m.update(c.outputs(), c.annotation());
        }
        m.reset();
        for (Map.Entry<String, Double> e : m.avgValue().entrySet()) {
            assertTrue(e.getValue() == null || e.getValue().isNaN(),
                    "avgValue() right after reset() must be empty or NaN (no data), but '" + e.getKey() + "' = " + e.getValue());
        }
        m.update(last.outputs(), last.annotation());
        Metric fresh = newMetric();
        fresh.update(last.outputs(), last.annotation());
        assertValues(fresh.avgValue(), m.avgValue(), "avgValue() after reset() and one update must equal a fresh metric's");
        assertValues(fresh.value(), m.value(), "value() after reset() and one update must equal a fresh metric's");
    }

    @Test
    void updateDoesNotModifyItsInputs() {
        MetricCase c = cases().get(0);
        List<Object> before = new ArrayList<>();
        for (Tensor t : c.outputs()) {
            before.add(copyOf(t.rawData()));
        }
        Object annotationBefore = c.annotation() instanceof Tensor t ? copyOf(t.rawData()) : null;
        newMetric().update(c.outputs(), c.annotation());
        for (int i = 0; i < c.outputs().size(); i++) {
            assertTrue(Objects.deepEquals(before.get(i), c.outputs().get(i).rawData()), "update() modified output " + i);
        }
        if (annotationBefore != null) {
            assertTrue(Objects.deepEquals(annotationBefore, ((Tensor) c.annotation()).rawData()), "update() modified the annotation");
        }
    }

    @Test
    void wrongAnnotationGivesPot4jException() {
        MetricCase c = cases().get(0);
        for (Object wrong : wrongAnnotations()) {
            Metric m = newMetric();
            String what = wrong == null ? "null" : wrong.getClass().getSimpleName();
            try {
                m.update(c.outputs(), wrong);
                fail("update() accepted a " + what + " annotation");
            } catch (Pot4jException e) {
                assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), "the error needs a message");
            } catch (RuntimeException e) {
                fail("update() with a " + what + " annotation threw " + e + " instead of a Pot4jException", e);
            }
        }
    }

    @Test
    void missingOutputsGivePot4jException() {
        MetricCase c = cases().get(0);
        try {
            newMetric().update(List.of(), c.annotation());
            fail("update() accepted an empty output list");
        } catch (Pot4jException e) {
            assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), "the error needs a message");
        } catch (RuntimeException e) {
            fail("update() with no outputs threw " + e + " instead of a Pot4jException", e);
        }
    }

    private void assertValues(Map<String, Double> expected, Map<String, Double> actual, String what) {
        assertNotNull(actual, what);
        assertEquals(expected.keySet(), actual.keySet(), what + ": keys");
        for (Map.Entry<String, Double> e : expected.entrySet()) {
            Double a = actual.get(e.getKey());
            assertNotNull(a, what + ": '" + e.getKey() + "'");
            if (e.getValue().isNaN()) {
                assertTrue(a.isNaN(), what + ": '" + e.getKey() + "' expected NaN but was " + a);
            } else {
                assertEquals(e.getValue(), a, tolerance(), what + ": '" + e.getKey() + "'");
            }
        }
    }

    private static Object copyOf(Object array) {
        if (array instanceof float[] a) {
            return a.clone();
        } else if (array instanceof double[] a) {
            return a.clone();
        } else if (array instanceof long[] a) {
            return a.clone();
        } else if (array instanceof int[] a) {
            return a.clone();
        } else if (array instanceof byte[] a) {
            return a.clone();
        }
        return Arrays.asList(array);
    }
}
