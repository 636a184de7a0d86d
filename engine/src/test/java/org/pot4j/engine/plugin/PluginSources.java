package org.pot4j.engine.plugin;

/** Java sources of the plugins the discovery tests build at test time. */
final class PluginSources {
    private PluginSources() {
    }

    /** A user metric written against pot4j-api only: share of samples whose argmax equals the Integer label. */
    static final String USER_METRIC = """
            package userplugin;

            import java.util.ArrayList;
            import java.util.List;
            import java.util.Map;
            import java.util.Set;
            import org.pot4j.api.Tensor;
            import org.pot4j.api.metric.Metric;
            import org.pot4j.api.metric.MetricProvider;

            public final class HitsMetricProvider implements MetricProvider<HitsMetricProvider.Params> {
                /** Bound by the engine from the plugin's own class loader. */
                public record Params(double weight) {
                    static Params defaults() { return new Params(1.0); }
                }
                public String name() { return "user_hits"; }
                public String version() { return "1.2.3"; }
                public Class<Params> parameters() { return Params.class; }
                public Metric create(Params params) {
                    double weight = params.weight();
                    return new Metric() {
                        private final List<Double> hits = new ArrayList<>();
                        public Map<String, Double> value() { return Map.of("user_hits", hits.get(hits.size() - 1)); }
                        public Map<String, Double> avgValue() {
                            return Map.of("user_hits", hits.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN));
                        }
                        public void update(List<Tensor> outputs, Object annotation) {
                            float[] v = outputs.get(0).toFloatArray();
                            int best = 0;
                            for (int i = 1; i < v.length; i++) { if (v[i] > v[best]) { best = i; } }
                            hits.add(best == (Integer) annotation ? weight : 0.0);
                        }
                        public void reset() { hits.clear(); }
                        public Map<String, Map<String, String>> attributes() {
                            return Map.of("user_hits", Map.of("direction", "higher-better", "type", "accuracy"));
                        }
                    };
                }
            }
            """;

    /**
     * The metric provider interface as pot4j-api had it before providers declared a parameter
     * record: compiled with {@link #OLD_SPI_METRIC} so that class is built against the old SPI (the
     * plugin loader takes {@code org.pot4j.api} from the engine, so this copy is never loaded).
     */
    static final String OLD_METRIC_PROVIDER_SPI = """
            package org.pot4j.api.metric;

            public interface MetricProvider {
                String name();
                default String version() { return "unknown"; }
                java.util.Set<String> parameterNames();
                Metric create(java.util.Map<String, Object> params);
            }
            """;

    /** A metric plugin written against the old provider SPI ({@link #OLD_METRIC_PROVIDER_SPI}). */
    static final String OLD_SPI_METRIC = """
            package old;

            import java.util.Map;
            import java.util.Set;
            import org.pot4j.api.metric.Metric;
            import org.pot4j.api.metric.MetricProvider;

            public final class OldMetricProvider implements MetricProvider {
                public String name() { return "old_metric"; }
                public Set<String> parameterNames() { return Set.of(); }
                public Metric create(Map<String, Object> params) { throw new UnsupportedOperationException(); }
            }
            """;

    /** A metric provider named {@code name} in class {@code pkg.cls}. */
    static String namedMetric(String pkg, String cls, String name) {
        return """
                package %s;

                import java.util.List;
                import java.util.Map;
                import java.util.Set;
                import org.pot4j.api.Tensor;
                import org.pot4j.api.metric.Metric;
                import org.pot4j.api.metric.MetricProvider;

                public final class %s implements MetricProvider<org.pot4j.api.param.NoParameters> {
                    public String name() { return "%s"; }
                    public Class<org.pot4j.api.param.NoParameters> parameters() { return org.pot4j.api.param.NoParameters.class; }
                    public Metric create(org.pot4j.api.param.NoParameters params) {
                        return new Metric() {
                            public Map<String, Double> value() { return Map.of("%s", 1.0); }
                            public Map<String, Double> avgValue() { return Map.of("%s", 1.0); }
                            public void update(List<Tensor> outputs, Object annotation) { }
                            public void reset() { }
                            public Map<String, Map<String, String>> attributes() {
                                return Map.of("%s", Map.of("direction", "higher-better", "type", "constant"));
                            }
                        };
                    }
                }
                """.formatted(pkg, cls, name, name, name, name);
    }

    /** A metric provider whose constructor throws. */
    static final String BOOM_METRIC = """
            package broken;

            import java.util.Map;
            import java.util.Set;
            import org.pot4j.api.metric.Metric;
            import org.pot4j.api.metric.MetricProvider;

            public final class BoomMetricProvider implements MetricProvider<org.pot4j.api.param.NoParameters> {
                public BoomMetricProvider() { throw new IllegalStateException("boom in constructor"); }
                public String name() { return "boom"; }
                public Class<org.pot4j.api.param.NoParameters> parameters() { return org.pot4j.api.param.NoParameters.class; }
                public Metric create(org.pot4j.api.param.NoParameters params) { return null; }
            }
            """;

    /** A metric provider whose name() throws. */
    static final String NAMELESS_METRIC = """
            package broken;

            import java.util.Map;
            import java.util.Set;
            import org.pot4j.api.metric.Metric;
            import org.pot4j.api.metric.MetricProvider;

            public final class NamelessMetricProvider implements MetricProvider<org.pot4j.api.param.NoParameters> {
                public String name() { throw new UnsupportedOperationException("no name today"); }
                public Class<org.pot4j.api.param.NoParameters> parameters() { return org.pot4j.api.param.NoParameters.class; }
                public Metric create(org.pot4j.api.param.NoParameters params) { return null; }
            }
            """;

    /** A backend whose create() fails as if its native library were missing. */
    static final String NATIVE_BACKEND = """
            package nativefail;

            import java.util.Map;
            import org.pot4j.api.model.ModelBackend;
            import org.pot4j.api.model.ModelBackendProvider;
            import org.pot4j.api.param.NoParameters;

            public final class NativeBackendProvider implements ModelBackendProvider<NoParameters> {
                public String name() { return "nativefail"; }
                public String version() { return "0.0.1"; }
                public Class<NoParameters> loadOptions() { return NoParameters.class; }
                public ModelBackend<NoParameters> create(NoParameters options) {
                    throw new UnsatisfiedLinkError("no nativefail_jni in java.library.path");
                }
            }
            """;
}
