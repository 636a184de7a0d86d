package org.pot4j.engine.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pot4j.api.ProgressListener;
import org.pot4j.api.metric.MetricProvider;
import org.pot4j.engine.Pot4j;
import org.pot4j.engine.plugin.testlib.LibVersion;

/** Plugins load child-first: each carries its own library versions, and shares only the SPI. */
class PluginIsolationTest {
    @TempDir
    Path tmp;

    /** A metric plugin whose name comes from the library version it sees. */
    private static String versionedMetric(String pkg) {
        return """
                package %s;

                import java.util.List;
                import java.util.Map;
                import java.util.Set;
                import org.pot4j.api.Tensor;
                import org.pot4j.api.metric.Metric;
                import org.pot4j.api.metric.MetricProvider;
                import org.pot4j.engine.plugin.testlib.LibVersion;

                public final class VersionedProvider implements MetricProvider<org.pot4j.api.param.NoParameters> {
                    public String name() { return "lib_" + LibVersion.version(); }
                    public Class<org.pot4j.api.param.NoParameters> parameters() { return org.pot4j.api.param.NoParameters.class; }
                    public Metric create(org.pot4j.api.param.NoParameters params) {
                        return new Metric() {
                            public Map<String, Double> value() { return Map.of(name(), 1.0); }
                            public Map<String, Double> avgValue() { return Map.of(name(), 1.0); }
                            public void update(List<Tensor> outputs, Object annotation) { }
                            public void reset() { }
                            public Map<String, Map<String, String>> attributes() {
                                return Map.of(name(), Map.of("direction", "higher-better", "type", "constant"));
                            }
                        };
                    }
                }
                """.formatted(pkg);
    }

    private static String library(String version) {
        return """
                package org.pot4j.engine.plugin.testlib;

                public final class LibVersion {
                    public static String version() { return "%s"; }
                    private LibVersion() { }
                }
                """.formatted(version);
    }

    @Test
    void twoPluginsUseTheirOwnVersionsOfOneLibrary() throws IOException {
        assertEquals("classpath", LibVersion.version(), "the engine's own copy");
        Path plugins = tmp.resolve("plugins");
        for (String v : List.of("v1", "v2")) {
            new PluginJarBuilder().source("p" + v + ".VersionedProvider", versionedMetric("p" + v))
                    .source("org.pot4j.engine.plugin.testlib.LibVersion", library(v))
                    .service(MetricProvider.class, "p" + v + ".VersionedProvider")
                    .writeTo(plugins.resolve("plugin-" + v).resolve("plugin.jar"));
        }
        try (Pot4j pot4j = Pot4j.builder().pluginDirs(List.of(plugins)).progress(ProgressListener.NONE).build()) {
            Set<String> metrics = pot4j.metricNames();
            // Parent-first loading would give both plugins the class path's LibVersion ("lib_classpath" twice).
            assertTrue(metrics.containsAll(Set.of("lib_v1", "lib_v2")), metrics.toString());
            assertTrue(!metrics.contains("lib_classpath"), metrics.toString());
            // The SPI stays shared: the plugin's metric is usable as the engine's Metric type.
            assertEquals(Map.of("lib_v1", 1.0), pot4j.metric("lib_v1", Map.of()).get().avgValue());
        }
    }
}
