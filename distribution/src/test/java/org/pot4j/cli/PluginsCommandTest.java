package org.pot4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PluginsCommandTest {
    @TempDir
    Path tmp;

    @Test
    void listsWhatTheDistributionShipsOnItsClassPath() {
        CliRun r = CliRun.of("plugins");
        assertEquals(0, r.code(), r.toString());
        String out = r.out();
        // backend-onnx and metrics are dependencies of the distribution, the rest is the engine's
        assertRow(out, "onnx", "classpath");
        assertTrue(Pattern.compile("(?m)^  onnx .*\\bok\\b.*per-channel-weights").matcher(out).find(), out);
        assertRow(out, "accuracy", "classpath");
        assertRow(out, "cosine_similarity", "classpath");
        assertRow(out, "DefaultQuantization", "classpath");
        assertRow(out, "AccuracyAwareQuantization", "classpath");
        assertRow(out, "idx", "classpath");
        assertRow(out, "npy", "classpath");
        assertTrue(out.contains("Failed plugins (0)"), out);
        // tensorflow and djl are drop-ins, not on the launcher's class path
        assertTrue(!out.contains("  tensorflow ") && !out.contains("  djl "), out);
    }

    @Test
    void brokenPluginIsListedWithItsReasonAndTheRestStillWorks() throws IOException {
        Path plugins = Files.createDirectories(tmp.resolve("plugins"));
        Path jar = Files.createDirectories(plugins.resolve("broken-metric")).resolve("broken.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            out.putNextEntry(new JarEntry("META-INF/services/org.pot4j.api.metric.MetricProvider"));
            out.write("com.example.MissingMetricProvider\n".getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        }
        CliRun r = CliRun.of("--plugins", plugins.toString(), "plugins");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("Failed plugins (1)"), r.toString());
        assertTrue(Pattern.compile("(?m)^  plugins/broken-metric\\s+metric\\s+com\\.example\\.MissingMetricProvider\\s+.*not found")
                .matcher(r.out()).find(), r.toString());
        assertRow(r.out(), "accuracy", "classpath");
    }

    @Test
    void unreadableJarIsReportedNotFatal() throws IOException {
        Path plugins = Files.createDirectories(tmp.resolve("plugins"));
        try (OutputStream out = Files.newOutputStream(plugins.resolve("truncated.jar"))) {
            out.write(new byte[] {'P', 'K', 3, 4, 0, 0});
        }
        // --plugins is inherited: it works after the subcommand too
        CliRun r = CliRun.of("plugins", "--plugins", plugins.toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("plugins/truncated.jar") && r.out().contains("unreadable jar"), r.toString());
    }

    private static void assertRow(String out, String name, String source) {
        assertTrue(Pattern.compile("(?m)^  " + Pattern.quote(name) + "\\s+\\S.*\\s" + source + "\\b").matcher(out).find(),
                name + " from " + source + " expected in:\n" + out);
    }
}
