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

/** {@code sentence_cosine} with mean pooling over the real tokens ({@code mask_input: attention_mask}). */
class SentenceCosineMetricTest extends AbstractMetricTest<SentenceCosineMetricProvider.Params> {
    private static final String KEY = "sentence_cosine";

    @Override
    protected MetricProvider<SentenceCosineMetricProvider.Params> provider() {
        return new SentenceCosineMetricProvider();
    }

    @Override
    protected SentenceCosineMetricProvider.Params params() {
        return new SentenceCosineMetricProvider.Params(0, "mean", "attention_mask", "mean");
    }

    /** Three tokens of two values each, the third one padding. */
    static Tensor tokens(float... v) {
        return Tensor.ofFloats(new long[] {1, 3, 2}, v);
    }

    static Map<String, Object> annotated(Tensor reference, long... mask) {
        return Map.of("reference", reference, "attention_mask", Tensor.ofLongs(new long[] {1, mask.length}, mask));
    }

    @Override
    protected List<MetricCase> cases() {
        return List.of(
                // the padding token differs completely, the real ones agree: identical sentence embeddings
                MetricCase.of(tokens(1, 0, 0, 1, 9, -9), annotated(tokens(1, 0, 0, 1, -5, 5), 1, 1, 0), KEY, 1.0),
                // mean (1,1) against mean (2,0): cosine 1/sqrt(2); length does not matter (L2-normalized)
                MetricCase.of(tokens(1, 0, 0, 1, 0, 0), annotated(tokens(4, 0, 0, 0, 0, 0), 1, 1, 0), KEY, Math.sqrt(0.5)));
    }

    @Override
    protected Map<String, Double> expectedAverage() {
        return Map.of(KEY, (1 + Math.sqrt(0.5)) / 2);
    }

    @Override
    protected double tolerance() {
        return 1e-7;
    }

    @Test
    void clsPoolingComparesTheFirstTokenOnly() {
        Metric m = Bound.create(new SentenceCosineMetricProvider(), Map.of("pooling", "cls"));
        m.update(List.of(tokens(1, 0, 5, 5, 5, 5)), tokens(3, 0, -1, -1, -1, -1));
        assertEquals(1.0, m.value().get(KEY), 1e-9);
    }

    @Test
    void withoutAMaskEveryTokenCounts() {
        Metric m = Bound.create(new SentenceCosineMetricProvider(), Map.of());
        m.update(List.of(tokens(1, 0, 0, 1, 9, -9)), tokens(1, 0, 0, 1, -5, 5));
        assertTrue(m.value().get(KEY) < 0.5, "padding included: " + m.value());
    }

    @Test
    void minAggregateReportsTheWorstSentence() {
        Metric m = Bound.create(new SentenceCosineMetricProvider(), Map.of("mask_input", "attention_mask", "aggregate", "min"));
        for (MetricCase c : cases()) {
            m.update(c.outputs(), c.annotation());
        }
        assertEquals(Math.sqrt(0.5), m.avgValue().get("sentence_cosine_min"), 1e-7);
    }

    @Test
    void missingMaskInTheAnnotationIsOneClearError() {
        Metric m = newMetric();
        Pot4jException e = assertThrows(Pot4jException.class,
                () -> m.update(List.of(tokens(1, 0, 0, 1, 0, 0)), Map.of("reference", tokens(1, 0, 0, 1, 0, 0))));
        assertEquals(ErrorCode.METRIC_FAILED, e.code());
        assertTrue(e.getMessage().contains("attention_mask"), e.getMessage());
    }

    @Test
    void maskOfTheWrongLengthIsReported() {
        Metric m = newMetric();
        Pot4jException e = assertThrows(Pot4jException.class,
                () -> m.update(List.of(tokens(1, 0, 0, 1, 0, 0)), annotated(tokens(1, 0, 0, 1, 0, 0), 1, 1)));
        assertTrue(e.getMessage().contains("3 tokens"), e.getMessage());
    }

    @Test
    void badPoolingIsRejected() {
        Pot4jException e = assertThrows(Pot4jException.class,
                () -> Bound.create(new SentenceCosineMetricProvider(), Map.of("pooling", "max")));
        assertEquals(ErrorCode.CONFIG_INVALID, e.code());
    }
}
