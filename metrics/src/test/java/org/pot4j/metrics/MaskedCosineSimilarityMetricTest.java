package org.pot4j.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.pot4j.metrics.SentenceCosineMetricTest.annotated;
import static org.pot4j.metrics.SentenceCosineMetricTest.tokens;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.pot4j.api.metric.Metric;
import org.pot4j.api.metric.MetricProvider;
import org.pot4j.testkit.AbstractMetricTest;

/** {@code cosine_similarity} and {@code nmse} with {@code mask_input}: per token, real tokens only. */
class MaskedCosineSimilarityMetricTest extends AbstractMetricTest<CosineSimilarityMetricProvider.Params> {
    private static final String KEY = "cosine_similarity";

    @Override
    protected MetricProvider<CosineSimilarityMetricProvider.Params> provider() {
        return new CosineSimilarityMetricProvider();
    }

    @Override
    protected CosineSimilarityMetricProvider.Params params() {
        return new CosineSimilarityMetricProvider.Params(0, null, "attention_mask");
    }

    @Override
    protected List<MetricCase> cases() {
        return List.of(
                // token 0 same direction (1), token 1 orthogonal (0), token 2 padding (ignored)
                MetricCase.of(tokens(1, 0, 0, 1, 7, 7), annotated(tokens(2, 0, 1, 0, -7, -7), 1, 1, 0), KEY, 0.5),
                MetricCase.of(tokens(1, 1, 0, 0, 0, 0), annotated(tokens(1, 0, 0, 0, 0, 0), 1, 0, 0), KEY, Math.sqrt(0.5)));
    }

    @Override
    protected Map<String, Double> expectedAverage() {
        return Map.of(KEY, (0.5 + Math.sqrt(0.5)) / 2);
    }

    @Override
    protected double tolerance() {
        return 1e-7;
    }

    @Test
    void maskedNmseCountsRealTokensOnly() {
        Metric m = Bound.create(new NmseMetricProvider(), Map.of("mask_input", "attention_mask"));
        // real tokens: error (1,0)-(2,0) -> 1, norm 4 + 1; padding error 100 ignored
        m.update(List.of(tokens(1, 0, 0, 1, 10, 0)), annotated(tokens(2, 0, 0, 1, 0, 0), 1, 1, 0));
        assertEquals(1.0 / 5, m.value().get("nmse"), 1e-9);
    }
}
