package org.pot4j.engine.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.ProgressListener;
import org.pot4j.api.Tensor;
import org.pot4j.api.metric.Metric;
import org.pot4j.api.metric.MetricProvider;
import org.pot4j.api.model.ModelBackendProvider;
import org.pot4j.engine.Pot4j;

class PluginDiscoveryTest {
    @TempDir
    Path tmp;

    private Pot4j engine(Path... pluginDirs) {
        return Pot4j.builder().pluginDirs(List.of(pluginDirs)).progress(ProgressListener.NONE).build();
    }

    @Test
    void classpathProvidersAreFoundWithTheirSource() {
        try (Pot4j pot4j = engine()) {
            PluginRegistry r = pot4j.registry();
            assertTrue(r.names(PluginKind.DATASET).containsAll(List.of("idx", "npy", "csv")), r.names(PluginKind.DATASET).toString());
            assertTrue(r.names(PluginKind.METRIC).contains("test_top1"));
            assertTrue(r.names(PluginKind.BACKEND).contains("textmlp"));
            PluginInfo idx = r.find(PluginKind.DATASET, "idx").orElseThrow();
            assertTrue(idx.source().isClasspath());
            assertTrue(r.failures().isEmpty(), r.failures().toString());
        }
    }

    @Test
    void userMetricJarBuiltAtTestTimeRunsThroughTheEngineInItsOwnClassLoader() throws Exception {
        Path plugins = tmp.resolve("plugins");
        new PluginJarBuilder().source("userplugin.HitsMetricProvider", PluginSources.USER_METRIC)
                .service(MetricProvider.class, "userplugin.HitsMetricProvider")
                .writeTo(plugins.resolve("hits").resolve("hits-metric.jar"));

        try (Pot4j pot4j = engine(plugins)) {
            PluginInfo info = pot4j.registry().find(PluginKind.METRIC, "user_hits").orElseThrow();
            assertEquals("plugins/hits", info.source().label());
            assertEquals("1.2.3", info.version());
            ClassLoader loader = info.provider().getClass().getClassLoader();
            assertInstanceOf(PluginClassLoader.class, loader);
            // isolated: the application class loader cannot see the plugin's class
            assertThrows(ClassNotFoundException.class, () -> Class.forName("userplugin.HitsMetricProvider", false,
                    PluginDiscoveryTest.class.getClassLoader()));
            // but it shares the SPI types with the engine
            assertEquals(MetricProvider.class, loader.loadClass(MetricProvider.class.getName()));

            Supplier<Metric> factory = pot4j.metric("user_hits", Map.of("weight", 2.0));
            Metric m = factory.get();
            m.update(List.of(Tensor.ofFloats(new long[] {1, 3}, new float[] {0.1f, 0.7f, 0.2f})), 1);
            assertEquals(2.0, m.value().get("user_hits"));
            m.update(List.of(Tensor.ofFloats(new long[] {1, 3}, new float[] {0.9f, 0.05f, 0.05f})), 1);
            assertEquals(0.0, m.value().get("user_hits"));
            assertEquals(1.0, m.avgValue().get("user_hits"), 1e-12);
            assertNotSame(m, factory.get(), "each call gives a fresh metric");

            Pot4jException typo = assertThrows(Pot4jException.class, () -> pot4j.metric("user_hits", Map.of("wieght", 2)));
            assertEquals(ErrorCode.CONFIG_UNKNOWN_KEY, typo.code());
            assertTrue(typo.getMessage().contains("did you mean 'weight'"), typo.getMessage());
        }
    }

    @Test
    void brokenProvidersAreReportedAndSkippedWhileGoodOnesLoad() throws IOException {
        Path plugins = tmp.resolve("plugins");
        new PluginJarBuilder()
                .source("broken.BoomMetricProvider", PluginSources.BOOM_METRIC)
                .source("broken.NamelessMetricProvider", PluginSources.NAMELESS_METRIC)
                .source("broken.GoodMetricProvider", PluginSources.namedMetric("broken", "GoodMetricProvider", "good_metric"))
                .service(MetricProvider.class, "broken.BoomMetricProvider", "broken.DoesNotExist",
                        "broken.NamelessMetricProvider", "broken.GoodMetricProvider")
                .writeTo(plugins.resolve("broken").resolve("broken.jar"));
        new PluginJarBuilder().source("other.OtherMetricProvider", PluginSources.namedMetric("other", "OtherMetricProvider", "other_metric"))
                .service(MetricProvider.class, "other.OtherMetricProvider")
                .writeTo(plugins.resolve("other.jar"));
        Files.writeString(plugins.resolve("corrupt.jar"), "this is not a zip file");

        try (Pot4j pot4j = engine(plugins)) {
            PluginRegistry r = pot4j.registry();
            assertTrue(r.find(PluginKind.METRIC, "good_metric").isPresent(), "the good provider of the broken jar loads");
            PluginInfo loose = r.find(PluginKind.METRIC, "other_metric").orElseThrow();
            assertEquals("plugins/other.jar", loose.source().label(), "a loose jar is its own plugin");
            assertTrue(r.find(PluginKind.METRIC, "test_top1").isPresent(), "class path plugins still load");

            List<PluginFailure> failures = r.failures();
            assertEquals(4, failures.size(), failures.toString());
            PluginFailure boom = only(failures, "BoomMetricProvider");
            assertEquals("plugins/broken", boom.source().label());
            assertEquals(PluginKind.METRIC, boom.kind());
            assertEquals("broken.BoomMetricProvider", boom.provider());
            assertTrue(boom.reason().contains("boom in constructor"), boom.reason());
            PluginFailure missing = only(failures, "DoesNotExist");
            assertTrue(missing.reason().contains("not found"), missing.reason());
            PluginFailure nameless = only(failures, "NamelessMetricProvider");
            assertTrue(nameless.reason().contains("no name today"), nameless.reason());
            PluginFailure corrupt = only(failures, "corrupt.jar");
            assertEquals(null, corrupt.kind());

            PluginReport report = pot4j.plugins();
            assertEquals(4, report.failures().size());
            assertTrue(report.toTable().contains("good_metric"));
            assertTrue(report.toTable().contains("boom in constructor"));
        }
    }

    @Test
    void aPluginBuiltAgainstTheOldProviderSpiIsReportedWithTheFixAndSkipped() throws IOException {
        Path plugins = tmp.resolve("plugins");
        new PluginJarBuilder()
                .source("org.pot4j.api.metric.MetricProvider", PluginSources.OLD_METRIC_PROVIDER_SPI)
                .source("old.OldMetricProvider", PluginSources.OLD_SPI_METRIC)
                .service(MetricProvider.class, "old.OldMetricProvider")
                .writeTo(plugins.resolve("old").resolve("old.jar"));

        try (Pot4j pot4j = engine(plugins)) {
            PluginRegistry r = pot4j.registry();
            assertTrue(r.find(PluginKind.METRIC, "old_metric").isEmpty(), "an old-SPI provider is not offered");
            PluginFailure old = only(r.failures(), "OldMetricProvider");
            assertEquals(PluginKind.METRIC, old.kind());
            assertTrue(old.reason().contains("older pot4j-api") && old.reason().contains("parameters()")
                    && old.reason().contains("rebuild"), old.reason());
            assertTrue(r.find(PluginKind.METRIC, "test_top1").isPresent(), "other plugins still load");
        }
    }

    private static PluginFailure only(List<PluginFailure> failures, String needle) {
        List<PluginFailure> hits = failures.stream().filter(f -> f.describe().contains(needle)).toList();
        assertEquals(1, hits.size(), needle + " in " + failures);
        return hits.get(0);
    }

    @Test
    void twoPluginsWithOneNameAreReportedAndOnlyARunUsingTheNameFails() throws IOException {
        Path plugins = tmp.resolve("plugins");
        new PluginJarBuilder().source("a.DupProvider", PluginSources.namedMetric("a", "DupProvider", "dup"))
                .service(MetricProvider.class, "a.DupProvider").writeTo(plugins.resolve("first").resolve("a.jar"));
        new PluginJarBuilder().source("b.DupProvider", PluginSources.namedMetric("b", "DupProvider", "dup"))
                .service(MetricProvider.class, "b.DupProvider").writeTo(plugins.resolve("second").resolve("b.jar"));
        try (Pot4j pot4j = engine(plugins)) {
            PluginFailure clash = only(pot4j.plugins().failures(), "name clash");
            assertTrue(clash.reason().contains("'dup'"), clash.reason());
            assertTrue(clash.reason().contains("plugins/first") && clash.reason().contains("plugins/second"), clash.reason());
            assertTrue(clash.reason().contains("a.DupProvider") && clash.reason().contains("b.DupProvider"), clash.reason());
            Pot4jException e = assertThrows(Pot4jException.class, () -> pot4j.metric("dup", Map.of()));
            assertEquals(ErrorCode.DUPLICATE_PLUGIN, e.code());
            assertTrue(e.getMessage().contains("'dup'"), e.getMessage());
            // other names still work
            assertTrue(pot4j.metric("test_top1", Map.of()).get() != null);
        }
    }

    @Test
    void aPluginClashingWithAClasspathProviderIsReportedAndFailsOnlyItsName() throws IOException {
        Path plugins = tmp.resolve("plugins");
        new PluginJarBuilder().source("c.Top1", PluginSources.namedMetric("c", "Top1", "test_top1"))
                .service(MetricProvider.class, "c.Top1").writeTo(plugins.resolve("clash").resolve("c.jar"));
        try (Pot4j pot4j = engine(plugins)) {
            PluginFailure clash = only(pot4j.plugins().failures(), "name clash");
            assertTrue(clash.reason().contains("classpath") && clash.reason().contains("plugins/clash"), clash.reason());
            Pot4jException e = assertThrows(Pot4jException.class, () -> pot4j.metric("test_top1", Map.of()));
            assertEquals(ErrorCode.DUPLICATE_PLUGIN, e.code());
        }
    }

    @Test
    void aBackendThatCannotStartIsReportedNotFatal() throws IOException {
        Path plugins = tmp.resolve("plugins");
        new PluginJarBuilder().source("nativefail.NativeBackendProvider", PluginSources.NATIVE_BACKEND)
                .service(ModelBackendProvider.class, "nativefail.NativeBackendProvider")
                .writeTo(plugins.resolve("nativefail").resolve("nativefail.jar"));
        try (Pot4j pot4j = engine(plugins)) {
            PluginReport report = pot4j.plugins();
            PluginReport.Entry entry = report.entries(PluginKind.BACKEND).stream()
                    .filter(e -> e.name().equals("nativefail")).findFirst().orElseThrow();
            assertFalse(entry.ok());
            assertTrue(entry.status().contains("nativefail_jni"), entry.status());
            PluginReport.Entry good = report.entries(PluginKind.BACKEND).stream()
                    .filter(e -> e.name().equals("textmlp")).findFirst().orElseThrow();
            assertTrue(good.ok());
            assertTrue(good.capabilities().contains("PER_CHANNEL_WEIGHTS"), good.capabilities().toString());
            assertTrue(report.failures().stream().anyMatch(f -> "nativefail".equals(f.provider())));

            Pot4jException e = assertThrows(Pot4jException.class, () -> pot4j.backend("nativefail"));
            assertEquals(ErrorCode.PLUGIN_LOAD_FAILED, e.code());
            assertTrue(e.getMessage().contains("UnsatisfiedLinkError"), e.getMessage());
            assertEquals(1, pot4j.registry().failures().size(), "a failed backend is tried once");
        }
    }

    @Test
    void missingPluginFolderAndUnknownNamesGiveClearErrors() {
        Pot4jException folder = assertThrows(Pot4jException.class, () -> engine(tmp.resolve("nope")));
        assertEquals(ErrorCode.FILE_NOT_FOUND, folder.code());
        try (Pot4j pot4j = engine()) {
            Pot4jException metric = assertThrows(Pot4jException.class, () -> pot4j.metric("test_tpo1", Map.of()));
            assertEquals(ErrorCode.UNKNOWN_METRIC, metric.code());
            assertTrue(metric.getMessage().contains("did you mean 'test_top1'"), metric.getMessage());
            assertTrue(metric.getMessage().contains("test_error_rate"), "lists installed metrics: " + metric.getMessage());
            Pot4jException algorithm = assertThrows(Pot4jException.class, () -> pot4j.algorithm("TestWeightOnyl"));
            assertEquals(ErrorCode.UNKNOWN_ALGORITHM, algorithm.code());
            assertTrue(algorithm.getMessage().contains("did you mean 'TestWeightOnly'"), algorithm.getMessage());
            Pot4jException backend = assertThrows(Pot4jException.class, () -> pot4j.backend("tensorflow"));
            assertEquals(ErrorCode.NO_BACKEND, backend.code());
            assertTrue(backend.getMessage().contains("install backend-tensorflow into plugins/"), backend.getMessage());
        }
    }
}
