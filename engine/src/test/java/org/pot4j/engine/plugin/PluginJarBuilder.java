package org.pot4j.engine.plugin;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.pot4j.api.metric.Metric;

/**
 * Builds a plugin jar at test time: compiles Java sources with {@link JavaCompiler} against the
 * pot4j-api classes on the test class path only (as a plugin author would), then writes them and
 * the given {@code META-INF/services} files into a jar.
 */
public final class PluginJarBuilder {
    private final Map<String, String> sources = new LinkedHashMap<>();
    private final Map<String, List<String>> services = new LinkedHashMap<>();

    /** Adds a class; {@code className} is its fully qualified name. */
    public PluginJarBuilder source(String className, String code) {
        sources.put(className, code);
        return this;
    }

    /** Lists provider classes (or any text lines) under {@code META-INF/services/<spi>}. */
    public PluginJarBuilder service(Class<?> spi, String... lines) {
        services.computeIfAbsent(spi.getName(), k -> new ArrayList<>()).addAll(List.of(lines));
        return this;
    }

    /** Compiles and writes the jar. */
    public Path writeTo(Path jar) throws IOException {
        Path classes = Files.createTempDirectory("pot4j-plugin-classes");
        if (!sources.isEmpty()) {
            compile(classes);
        }
        Files.createDirectories(jar.toAbsolutePath().getParent());
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            try (Stream<Path> files = Files.walk(classes)) {
                for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                    out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
                    Files.copy(f, out);
                    out.closeEntry();
                }
            }
            for (Map.Entry<String, List<String>> s : services.entrySet()) {
                out.putNextEntry(new JarEntry("META-INF/services/" + s.getKey()));
                write(out, String.join("\n", s.getValue()) + "\n");
                out.closeEntry();
            }
        }
        return jar;
    }

    private void compile(Path classes) throws IOException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        if (javac == null) {
            throw new IllegalStateException("tests need a JDK (javax.tools.JavaCompiler)");
        }
        List<JavaFileObject> units = new ArrayList<>();
        sources.forEach((name, code) -> units.add(new Source(name, code)));
        List<String> options = List.of("--release", "17", "-classpath", apiClasspath(), "-d", classes.toString(),
                "-proc:none", "-Xlint:none");
        java.io.StringWriter diagnostics = new java.io.StringWriter();
        boolean ok = javac.getTask(diagnostics, null, null, options, null, units).call();
        if (!ok) {
            throw new IllegalStateException("plugin sources do not compile:\n" + diagnostics);
        }
    }

    /** Where the pot4j-api classes are (a jar in ~/.m2 or api/target/classes in a reactor build). */
    static String apiClasspath() {
        try {
            return Path.of(Metric.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
    }

    private static final class Source extends SimpleJavaFileObject {
        private final String code;

        Source(String className, String code) {
            super(java.net.URI.create("string:///" + className.replace('.', '/') + Kind.SOURCE.extension), Kind.SOURCE);
            this.code = code;
        }

        @Override
        public CharSequence getCharContent(boolean ignoreEncodingErrors) {
            return code;
        }
    }
}
