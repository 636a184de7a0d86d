package org.pot4j.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.pot4j.api.metric.MetricProvider;

class MetricProvidersTest {
    @Test
    void everyBuiltInMetricIsRegisteredForServiceLoader() {
        Set<String> names = new TreeSet<>();
        for (MetricProvider p : ServiceLoader.load(MetricProvider.class)) {
            names.add(p.name());
        }
        assertEquals(new TreeSet<>(Set.of("accuracy", "mse", "nmse", "cosine_similarity", "f1", "sentence_cosine")), names);
    }
}
