package org.pot4j.engine.inject;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Key;
import com.google.inject.TypeLiteral;
import com.google.inject.multibindings.MapBinder;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.pot4j.api.ProgressListener;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.DatasetProvider;
import org.pot4j.api.metric.Metric;
import org.pot4j.api.metric.MetricProvider;
import org.pot4j.api.param.NoParameters;
import org.pot4j.api.model.ModelBackendProvider;
import org.pot4j.api.quant.QuantizationAlgorithmProvider;
import org.pot4j.engine.Pot4j;
import org.pot4j.engine.plugin.PluginDiscovery;
import org.pot4j.engine.plugin.PluginRegistry;

class Pot4jModuleTest {
    private static <T> Map<String, T> map(Injector injector, Class<T> type) {
        @SuppressWarnings("unchecked")
        TypeLiteral<Map<String, T>> literal = (TypeLiteral<Map<String, T>>) TypeLiteral.get(
                com.google.inject.util.Types.mapOf(String.class, type));
        return injector.getInstance(Key.get(literal));
    }

    @Test
    void discoveredProvidersAreBoundByNameInMapBinders() {
        try (Pot4j pot4j = Pot4j.builder().progress(ProgressListener.NONE).build()) {
            Injector injector = pot4j.injector();
            Map<String, DatasetProvider> datasets = map(injector, DatasetProvider.class);
            assertTrue(datasets.keySet().containsAll(Set.of("idx", "npy", "csv")), datasets.keySet().toString());
            assertSame(pot4j.registry().datasetProviders().get("idx"), datasets.get("idx"));
            assertTrue(map(injector, MetricProvider.class).containsKey("test_top1"));
            assertTrue(map(injector, ModelBackendProvider.class).containsKey("textmlp"));
            Map<String, QuantizationAlgorithmProvider> algorithms = map(injector, QuantizationAlgorithmProvider.class);
            assertTrue(algorithms.keySet().containsAll(Set.of("TestWeightOnly", "DefaultQuantization")), algorithms.keySet().toString());
            assertSame(pot4j.registry(), injector.getInstance(PluginRegistry.class));
            assertSame(ProgressListener.NONE, injector.getInstance(ProgressListener.class));
        }
    }

    @Test
    void theModuleAloneBuildsAWorkingFacade() {
        PluginRegistry registry = new PluginDiscovery(getClass().getClassLoader(), List.of()).discover(Map.of());
        try (Pot4j pot4j = Guice.createInjector(new Pot4jModule(registry, ProgressListener.NONE)).getInstance(Pot4j.class)) {
            assertSame(registry, pot4j.registry());
            assertEquals(registry.names(org.pot4j.engine.plugin.PluginKind.METRIC), pot4j.metricNames());
        }
    }

    @Test
    void extraModulesAddEntriesTheFacadeFinds() {
        MetricProvider<NoParameters> constant = new MetricProvider<>() {
            public String name() {
                return "constant";
            }

            public Class<NoParameters> parameters() {
                return NoParameters.class;
            }

            public Metric create(NoParameters params) {
                return new Metric() {
                    public Map<String, Double> value() {
                        return Map.of("constant", 0.5);
                    }

                    public Map<String, Double> avgValue() {
                        return Map.of("constant", 0.5);
                    }

                    public void update(List<Tensor> outputs, Object annotation) {
                    }

                    public void reset() {
                    }

                    public Map<String, Map<String, String>> attributes() {
                        return Map.of("constant", Map.of("direction", "higher-better", "type", "constant"));
                    }
                };
            }
        };
        AbstractModule extra = new AbstractModule() {
            @Override
            protected void configure() {
                MapBinder.newMapBinder(binder(), String.class, MetricProvider.class).addBinding("constant").toInstance(constant);
            }
        };
        try (Pot4j pot4j = Pot4j.builder().progress(ProgressListener.NONE).modules(extra).build()) {
            assertTrue(pot4j.metricNames().containsAll(Set.of("constant", "test_top1")));
            assertEquals(0.5, pot4j.metric("constant", Map.of()).get().avgValue().get("constant"));
        }
    }
}
