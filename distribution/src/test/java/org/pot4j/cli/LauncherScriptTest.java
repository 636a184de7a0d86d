package org.pot4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the real {@code bin/pot4j} shell script from an installation-like folder: it must find its
 * home (also through a symlink), put {@code lib/*} on the class path, pass {@code pot4j.home} so
 * {@code <home>/plugins} is searched, and hand back the launcher's exit code.
 */
class LauncherScriptTest {
    @TempDir
    Path tmp;

    @Test
    void scriptFindsItsHomeLibAndPluginsAndReturnsTheExitCode() throws Exception {
        Path sh = Path.of("/bin/sh");
        assumeTrue(Files.isExecutable(sh), "needs a POSIX shell");
        Path home = install();
        Path script = home.resolve("bin/pot4j");

        Result plugins = run(script, "--progress", "none", "plugins");
        assertEquals(0, plugins.code, plugins.toString());
        assertTrue(plugins.out.contains("  onnx "), plugins.toString());
        // the broken plugin in <home>/plugins was searched, so pot4j.home reached the launcher
        assertTrue(plugins.out.contains("plugins/broken") && plugins.out.contains("com.example.Missing"), plugins.toString());

        Path link = Files.createDirectories(tmp.resolve("elsewhere")).resolve("pot4j");
        Files.createSymbolicLink(link, script);
        Result viaLink = run(link, "--progress", "none", "quantize", tmp.resolve("missing.json").toString());
        assertEquals(ExitCode.USAGE, viaLink.code, viaLink.toString());
        assertTrue(viaLink.err.startsWith("pot4j: error: config file "), viaLink.toString());
    }

    /** home/bin/pot4j (the real script), home/lib/ with one jar pointing at the test class path, home/plugins/broken/. */
    private Path install() throws IOException {
        Path home = tmp.resolve("pot4j home");
        Path bin = Files.createDirectories(home.resolve("bin"));
        Path script = bin.resolve("pot4j");
        Files.copy(Path.of("src/main/bin/pot4j"), script, StandardCopyOption.REPLACE_EXISTING);
        assertTrue(script.toFile().setExecutable(true));
        Path lib = Files.createDirectories(home.resolve("lib"));
        writeClassPathJar(lib.resolve("classpath.jar"));
        Path broken = Files.createDirectories(home.resolve("plugins/broken"));
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(broken.resolve("broken.jar")))) {
            out.putNextEntry(new JarEntry("META-INF/services/org.pot4j.api.metric.MetricProvider"));
            out.write("com.example.Missing\n".getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        }
        return home;
    }

    /** A jar whose manifest Class-Path lists this test's class path (java follows it from lib/*). */
    private static void writeClassPathJar(Path jar) throws IOException {
        List<String> urls = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!entry.isBlank()) {
                urls.add(Path.of(entry).toAbsolutePath().toUri().toString());
            }
        }
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, String.join(" ", urls));
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out, manifest)) {
            j.flush();
        }
    }

    private Result run(Path script, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("/bin/sh", script.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(tmp.toFile());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().remove("JAVA_OPTS");
        pb.environment().remove("POT4J_OPTS");
        Path out = tmp.resolve("out.txt");
        Path err = tmp.resolve("err.txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), "launcher did not finish");
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private record Result(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }
}
