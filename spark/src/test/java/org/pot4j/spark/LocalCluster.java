package org.pot4j.spark;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.StringJoiner;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * What {@code local-cluster} mode needs from a Maven test. Its workers start executor JVMs with
 * Spark's launcher, which wants a Spark home with a {@code jars/} folder (an empty one will do:
 * surefire sets {@code SPARK_HOME} to {@code target/fake-spark-home}) and the Scala version
 * ({@code SPARK_SCALA_VERSION}). The executors get the test JVM's class path through
 * {@code spark.executor.extraClassPath} as one manifest-only jar: ONNX Runtime 1.29 crashes
 * (SIGSEGV in {@code OrtEnvironment.getEnvironment}) in a JVM whose command line is longer than
 * about 4 KB, and the spelled-out test class path is 15 KB.
 */
final class LocalCluster {
    static final String MASTER = "local-cluster[2,1,1024]";

    private LocalCluster() {
    }

    static Map<String, String> conf() {
        String home = System.getenv("SPARK_HOME");
        if (home == null) {
            throw new IllegalStateException("SPARK_HOME is not set; surefire sets it to target/fake-spark-home");
        }
        try {
            Files.createDirectories(Path.of(home, "jars"));
            return Map.of("spark.executor.extraClassPath", pathingJar(Path.of(home, "executor-classpath.jar")).toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path pathingJar(Path jar) throws IOException {
        StringJoiner cp = new StringJoiner(" ");
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            if (!entry.isBlank()) {
                cp.add(Path.of(entry).toAbsolutePath().toUri().toString());
            }
        }
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        m.getMainAttributes().put(Attributes.Name.CLASS_PATH, cp.toString());
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream ignored = new JarOutputStream(out, m)) {
            // the manifest is the whole jar
        }
        return jar;
    }
}
