package org.pot4j.engine.inject;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.MapBinder;
import java.util.Objects;
import org.pot4j.api.ProgressListener;
import org.pot4j.api.data.DatasetProvider;
import org.pot4j.api.metric.MetricProvider;
import org.pot4j.api.model.ModelBackendProvider;
import org.pot4j.api.quant.QuantizationAlgorithmProvider;
import org.pot4j.engine.plugin.PluginRegistry;

/**
 * Binds what plugin discovery found: each kind of provider in a {@link MapBinder} keyed by name
 * ({@code Map<String, ModelBackendProvider>}, {@code Map<String, MetricProvider>},
 * {@code Map<String, QuantizationAlgorithmProvider>}, {@code Map<String, DatasetProvider>}), plus
 * the {@link PluginRegistry} and the {@link ProgressListener}. Other modules may add map entries
 * of their own; {@link org.pot4j.engine.Pot4j} looks names up in these maps.
 */
public final class Pot4jModule extends AbstractModule {
    private final PluginRegistry registry;
    private final ProgressListener progress;

    /**
     * @param registry what discovery found
     * @param progress where long work reports progress
     */
    public Pot4jModule(PluginRegistry registry, ProgressListener progress) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.progress = Objects.requireNonNull(progress, "progress");
    }

    @Override
    protected void configure() {
        bind(PluginRegistry.class).toInstance(registry);
        bind(ProgressListener.class).toInstance(progress);

        MapBinder<String, ModelBackendProvider> backends =
                MapBinder.newMapBinder(binder(), String.class, ModelBackendProvider.class);
        registry.backendProviders().forEach((name, p) -> backends.addBinding(name).toInstance(p));

        MapBinder<String, MetricProvider> metrics = MapBinder.newMapBinder(binder(), String.class, MetricProvider.class);
        registry.metricProviders().forEach((name, p) -> metrics.addBinding(name).toInstance(p));

        MapBinder<String, QuantizationAlgorithmProvider> algorithms =
                MapBinder.newMapBinder(binder(), String.class, QuantizationAlgorithmProvider.class);
        registry.algorithmProviders().forEach((name, p) -> algorithms.addBinding(name).toInstance(p));

        MapBinder<String, DatasetProvider> datasets = MapBinder.newMapBinder(binder(), String.class, DatasetProvider.class);
        registry.datasetProviders().forEach((name, p) -> datasets.addBinding(name).toInstance(p));
    }
}
