package org.pot4j.engine.testplugins;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.pot4j.api.Tensor;
import org.pot4j.api.metric.Metric;
import org.pot4j.api.metric.MetricProvider;
import org.pot4j.api.param.NoParameters;

/** Test metrics registered on the test class path: {@code test_top1} and the higher-worse {@code test_error_rate}. */
public final class TestMetrics {
    private TestMetrics() {
    }

    /** Top-1 accuracy against an Integer label. */
    public static final class Top1Provider implements MetricProvider<Top1Provider.Params> {
        /** @param invert report 1 - top-1 as {@code test_error_rate} */
        public record Params(boolean invert) {
        }

        @Override
        public String name() {
            return "test_top1";
        }

        @Override
        public Class<Params> parameters() {
            return Params.class;
        }

        @Override
        public Metric create(Params params) {
            return new Top1(params.invert() ? "test_error_rate" : "test_top1", params.invert());
        }
    }

    /** 1 - top-1 accuracy; lower is better. */
    public static final class ErrorRateProvider implements MetricProvider<NoParameters> {
        @Override
        public String name() {
            return "test_error_rate";
        }

        @Override
        public Class<NoParameters> parameters() {
            return NoParameters.class;
        }

        @Override
        public Metric create(NoParameters params) {
            return new Top1("test_error_rate", true);
        }
    }

    static final class Top1 implements Metric {
        private final String name;
        private final boolean invert;
        private final List<Double> values = new ArrayList<>();

        Top1(String name, boolean invert) {
            this.name = name;
            this.invert = invert;
        }

        @Override
        public Map<String, Double> value() {
            return Map.of(name, values.get(values.size() - 1));
        }

        @Override
        public Map<String, Double> avgValue() {
            return Map.of(name, values.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN));
        }

        @Override
        public boolean higherBetter() {
            return !invert;
        }

        @Override
        public void update(List<Tensor> outputs, Object annotation) {
            float[] logits = outputs.get(0).toFloatArray();
            int best = 0;
            for (int i = 1; i < logits.length; i++) {
                if (logits[i] > logits[best]) {
                    best = i;
                }
            }
            double hit = best == (Integer) annotation ? 1 : 0;
            values.add(invert ? 1 - hit : hit);
        }

        @Override
        public void reset() {
            values.clear();
        }

        @Override
        public Map<String, Map<String, String>> attributes() {
            return Map.of(name, Map.of("direction", invert ? "higher-worse" : "higher-better", "type", "accuracy"));
        }
    }
}
