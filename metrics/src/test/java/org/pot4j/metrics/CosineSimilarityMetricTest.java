package org.pot4j.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

class CosineSimilarityMetricTest extends AbstractMetricTest<CosineSimilarityMetricProvider.Params> {
    private static final String KEY = "cosine_similarity";

    @Override
    protected MetricProvider<CosineSimilarityMetricProvider.Params> provider() {
        return new CosineSimilarityMetricProvider();
    }

    @Override
    protected List<MetricCase> cases() {
        return List.of(
                MetricCase.of(row(1, 0), row(1, 0), KEY, 1.0),
                MetricCase.of(row(1, 0), row(0, 1), KEY, 0.0),
                MetricCase.of(row(1, 1), row(1, 0), KEY, Math.sqrt(0.5)),
                MetricCase.of(row(-2, 0), row(1, 0), KEY, -1.0));
    }

    @Override
    protected Map<String, Double> expectedAverage() {
        return Map.of(KEY, (1 + 0 + Math.sqrt(0.5) - 1) / 4);
    }

    @Override
    protected double tolerance() {
        return 1e-7;
    }

    /** Output [1, 2 tokens, 2 hidden] = [[1,0],[0,1]] against reference [[2,0],[1,1]]. */
    private static double cosine(Map<String, Object> params) {
        Metric m = Bound.create(new CosineSimilarityMetricProvider(), params);
        Tensor out = Tensor.ofFloats(new long[] {1, 2, 2}, new float[] {1, 0, 0, 1});
        Tensor ref = Tensor.ofFloats(new long[] {1, 2, 2}, new float[] {2, 0, 1, 1});
        m.update(List.of(out), ref);
        return m.value().get(KEY);
    }

    @Test
    void flatCosineOverAllElementsByDefault() {
        assertEquals(3 / Math.sqrt(12), cosine(Map.of()), 1e-7); // dot 3, norms sqrt(2) and sqrt(6)
    }

    @Test
    void axisMeanAveragesTheCosinesAlongAnAxis() {
        double perToken = (1 + Math.sqrt(0.5)) / 2;           // token 0: 1, token 1: 1/sqrt(2)
        assertEquals(perToken, cosine(Map.of("axis_mean", -1)), 1e-7);
        assertEquals(perToken, cosine(Map.of("axis_mean", 2)), 1e-7);
        double perHidden = (2 / Math.sqrt(5) + 1) / 2;        // hidden 0: (1,0)~(2,1), hidden 1: (0,1)~(0,1)
        assertEquals(perHidden, cosine(Map.of("axis_mean", 1)), 1e-7);
    }

    @Test
    void axisOutsideTheOutputIsReported() {
        Pot4jException e = assertThrows(Pot4jException.class, () -> cosine(Map.of("axis_mean", 3)));
        assertEquals(ErrorCode.METRIC_FAILED, e.code());
        assertTrue(e.getMessage().contains("axis_mean 3"), e.getMessage());
        Pot4jException p = assertThrows(Pot4jException.class, () -> cosine(Map.of("axis_mean", "last")));
        assertEquals(ErrorCode.CONFIG_INVALID, p.code());
    }

    @Test
    void zeroVectorsHaveADefinedValue() {
        Metric m = Bound.create(new CosineSimilarityMetricProvider(), Map.of());
        m.update(List.of(row(0, 0)), row(0, 0));
        assertEquals(1.0, m.value().get(KEY));
        m.update(List.of(row(0, 0)), row(1, 0));
        assertEquals(0.0, m.value().get(KEY));
    }

    @Test
    void comparesWithTheFp32OutputOfAMultiOutputModel() {
        // like MiniLM: outputs [last_hidden_state, pooled]; the annotation is the FP32 first output
        Metric m = Bound.create(new CosineSimilarityMetricProvider(), Map.of());
        m.update(List.of(row(1, 2, 3), row(9)), row(2, 4, 6));
        assertEquals(1.0, m.value().get(KEY), 1e-7);
    }
}
