package org.pot4j.metrics;

import java.util.Map;
import org.pot4j.api.metric.Metric;
import org.pot4j.api.metric.MetricProvider;
import org.pot4j.engine.config.ParamBinder;

/** A metric made from a config-style parameter map, bound by the engine's binder as a config is. */
final class Bound {
    private Bound() {
    }

    static <P extends Record> Metric create(MetricProvider<P> provider, Map<String, ?> params) {
        return provider.create(ParamBinder.bind(params, provider.parameters(), "metric '" + provider.name() + "'", "params"));
    }
}
