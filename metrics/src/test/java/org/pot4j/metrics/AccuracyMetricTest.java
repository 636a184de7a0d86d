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

class AccuracyMetricTest extends AbstractMetricTest<AccuracyMetricProvider.Params> {
    private static final String KEY = "accuracy@top1";

    @Override
    protected MetricProvider<AccuracyMetricProvider.Params> provider() {
        return new AccuracyMetricProvider();
    }

    @Override
    protected List<MetricCase> cases() {
        return List.of(
                MetricCase.of(row(0.1f, 0.7f, 0.2f), 1, KEY, 1.0),
                MetricCase.of(row(0.5f, 0.3f, 0.2f), 2, KEY, 0.0),
                MetricCase.of(row(0.2f, 0.2f, 0.6f), 2L, KEY, 1.0),
                // a label tensor of one element, as an npy label array gives
                MetricCase.of(row(0.9f, 0.05f, 0.05f), Tensor.ofLongs(new long[] {1}, new long[] {0}), KEY, 1.0));
    }

    @Override
    protected Map<String, Double> expectedAverage() {
        return Map.of(KEY, 0.75);
    }

    private static Metric accuracy(Map<String, Object> params) {
        return Bound.create(new AccuracyMetricProvider(), params);
    }

    @Test
    void dictAndListShapedTargetsAreAcceptedAsInTheSeedsExample() {
        // POT's Accuracy: `if isinstance(target, dict): target = list(target.values())`, then one label per item
        Metric m = accuracy(Map.of());
        m.update(List.of(row(0.1f, 0.7f, 0.2f)), Map.of("label", 1));
        assertEquals(1.0, m.value().get(KEY));
        m.update(List.of(row(0.1f, 0.7f, 0.2f)), Map.of("label", 2L));
        assertEquals(0.0, m.value().get(KEY));
        m.update(List.of(row(0.1f, 0.7f, 0.2f)), List.of(1));
        assertEquals(1.0, m.value().get(KEY));
        Tensor batch = Tensor.ofFloats(new long[] {2, 3}, new float[] {0.1f, 0.7f, 0.2f, 0.6f, 0.3f, 0.1f});
        Map<String, Object> twoItems = new java.util.LinkedHashMap<>();
        twoItems.put("a", 1);
        twoItems.put("b", 2);
        m.update(List.of(batch), twoItems);
        assertEquals(0.5, m.value().get(KEY), "dict values in order: a=1 matches, b=2 does not");
        assertEquals(3.0 / 5, m.avgValue().get(KEY), 1e-12);
        for (Object wrong : List.of(Map.of(), List.of(), List.of("x"), Map.of("label", -1), List.of(List.of(1)))) {
            Pot4jException e = assertThrows(Pot4jException.class, () -> accuracy(Map.of()).update(List.of(row(0.1f, 0.7f, 0.2f)), wrong));
            assertEquals(ErrorCode.METRIC_FAILED, e.code(), wrong.toString());
        }
    }

    @Test
    void topKCountsALabelAmongTheKHighestScores() {
        Metric m = accuracy(Map.of("top_k", 2));
        assertEquals(Map.of("accuracy@top2", Map.of("direction", "higher-better", "type", "accuracy")), m.attributes());
        m.update(List.of(row(0.5f, 0.3f, 0.2f)), 1); // second highest: hit
        assertEquals(1.0, m.value().get("accuracy@top2"));
        m.update(List.of(row(0.5f, 0.3f, 0.2f)), 2); // third: miss
        assertEquals(0.0, m.value().get("accuracy@top2"));
        assertEquals(0.5, m.avgValue().get("accuracy@top2"), 1e-12);
    }

    @Test
    void topKAcceptsIntegralNumbersOfAnyTypeAndStrings() {
        assertTrue(accuracy(Map.of("top_k", 3L)).attributes().containsKey("accuracy@top3"));
        assertTrue(accuracy(Map.of("top_k", 5.0)).attributes().containsKey("accuracy@top5"));
        assertTrue(accuracy(Map.of("top_k", "2")).attributes().containsKey("accuracy@top2"));
        assertTrue(accuracy(Map.of()).attributes().containsKey("accuracy@top1"));
    }

    @Test
    void badTopKIsAParameterErrorNamingTheKey() {
        for (Object bad : List.of(0, -1, 1.5, "two", List.of(1))) {
            Pot4jException e = assertThrows(Pot4jException.class, () -> accuracy(Map.of("top_k", bad)), "top_k=" + bad);
            assertEquals(ErrorCode.CONFIG_INVALID, e.code());
            assertTrue(e.getMessage().contains("top_k") && e.getMessage().contains("accuracy"), e.getMessage());
        }
        Pot4jException e = assertThrows(Pot4jException.class, () -> accuracy(Map.of("topk", 1)));
        assertTrue(e.getMessage().contains("'topk'") && e.getMessage().contains("top_k"), e.getMessage());
    }

    @Test
    void tiesCountInTheLabelsFavour() {
        Metric m = accuracy(Map.of());
        m.update(List.of(row(0.4f, 0.4f, 0.2f)), 1);
        assertEquals(1.0, m.value().get(KEY));
        m.update(List.of(row(0.4f, 0.4f, 0.2f)), 0);
        assertEquals(1.0, m.value().get(KEY));
    }

    @Test
    void nanScoreForTheLabelIsAMiss() {
        Metric m = accuracy(Map.of());
        m.update(List.of(row(Float.NaN, 0.1f, 0.2f)), 0);
        assertEquals(0.0, m.value().get(KEY));
    }

    @Test
    void batchOfItemsWithALabelTensor() {
        Metric m = accuracy(Map.of());
        Tensor scores = Tensor.ofFloats(new long[] {2, 3}, new float[] {0.1f, 0.8f, 0.1f, 0.7f, 0.2f, 0.1f});
        m.update(List.of(scores), Tensor.ofInts(new long[] {2}, new int[] {1, 1}));
        assertEquals(0.5, m.value().get(KEY));
        m.update(List.of(row(0.0f, 1.0f, 0.0f)), 1);
        assertEquals(2.0 / 3.0, m.avgValue().get(KEY), 1e-12, "average over items, not over updates");
    }

    @Test
    void modelWithTwoOutputsIsRejected() {
        Pot4jException e = assertThrows(Pot4jException.class,
                () -> accuracy(Map.of()).update(List.of(row(1f, 0f), row(0f, 1f)), 0));
        assertEquals(ErrorCode.METRIC_FAILED, e.code());
        assertTrue(e.getMessage().contains("exactly one output") && e.getMessage().contains("got 2"), e.getMessage());
    }

    @Test
    void labelsOutsideTheClassesOrNotIntegralAreRejected() {
        Metric m = accuracy(Map.of());
        Pot4jException outside = assertThrows(Pot4jException.class, () -> m.update(List.of(row(1f, 0f, 0f)), 3));
        assertTrue(outside.getMessage().contains("label 3") && outside.getMessage().contains("3 classes"), outside.getMessage());
        Pot4jException fraction = assertThrows(Pot4jException.class, () -> m.update(List.of(row(1f, 0f, 0f)), 1.5));
        assertTrue(fraction.getMessage().contains("1.5"), fraction.getMessage());
        assertThrows(Pot4jException.class, () -> m.update(List.of(row(1f, 0f, 0f)), -1));
        Pot4jException count = assertThrows(Pot4jException.class,
                () -> m.update(List.of(row(1f, 0f, 0f)), Tensor.ofLongs(new long[] {2}, new long[] {0, 1})));
        assertTrue(count.getMessage().contains("2 label"), count.getMessage());
        assertTrue(m.avgValue().get(KEY).isNaN(), "failed updates must not count");
    }

    @Test
    void topKLargerThanTheClassesIsReported() {
        Pot4jException e = assertThrows(Pot4jException.class,
                () -> accuracy(Map.of("top_k", 5)).update(List.of(row(1f, 0f, 0f)), 0));
        assertTrue(e.getMessage().contains("top_k 5") && e.getMessage().contains("3 classes"), e.getMessage());
    }
}
