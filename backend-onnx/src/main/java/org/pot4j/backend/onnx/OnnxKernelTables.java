package org.pot4j.backend.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Properties;
import org.pot4j.api.model.Int8CpuFeatures;

/**
 * The {@link OnnxKernelTable} of this machine: read from the user's cache folder when this CPU
 * (model name and int8 flags) and ONNX Runtime version were measured before, otherwise measured
 * once by {@link OnnxKernelBenchmark} and written there. The cache folder is
 * {@code -Dpot4j.cacheDir}, else {@code $XDG_CACHE_HOME/pot4j}, else {@code ~/.cache/pot4j}
 * ({@code %LOCALAPPDATA%\pot4j} on Windows). {@code -Dpot4j.onnx.kernelTable=false} switches the
 * measurement off: the writer then keeps its default storage (uint8).
 */
final class OnnxKernelTables {
    private static final System.Logger LOG = System.getLogger(OnnxKernelTables.class.getName());
    /** Bumped when the micro-models change, so older measurements are not reused. */
    private static final String VERSION = "2";
    private static volatile OnnxKernelTable cached;
    private static volatile boolean failed;

    private OnnxKernelTables() {
    }

    /** This machine's table, or null when switched off or when it cannot be measured (then defaults apply). */
    static OnnxKernelTable forThisCpu(OrtEnvironment env) {
        if (!Boolean.parseBoolean(System.getProperty("pot4j.onnx.kernelTable", "true")) || failed) {
            return null;
        }
        OnnxKernelTable t = cached;
        if (t != null) {
            return t;
        }
        synchronized (OnnxKernelTables.class) {
            if (cached == null && !failed) {
                cached = load(env);
                failed = cached == null;
            }
            return cached;
        }
    }

    private static OnnxKernelTable load(OrtEnvironment env) {
        String cpu = Int8CpuFeatures.cpu().describe();
        String ort = OnnxVersions.onnxRuntime();
        Path file = cacheDir().resolve("onnx-int8-kernels-" + key(cpu + "|" + ort + "|" + VERSION) + ".properties");
        OnnxKernelTable table = read(file);
        if (table != null && table.cpu().equals(cpu) && table.onnxRuntime().equals(ort)) {
            LOG.log(System.Logger.Level.DEBUG, "int8 kernel table from {0}", file);
            return table;
        }
        try {
            LOG.log(System.Logger.Level.INFO, "measuring ONNX Runtime''s int8 kernels on this CPU once ({0})", cpu);
            table = OnnxKernelBenchmark.measure(env, cpu, ort);
        } catch (OrtException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot measure the int8 kernels ({0}); activations stay uint8", e.toString());
            return null;
        }
        LOG.log(System.Logger.Level.INFO, table.describe());
        write(file, table);
        return table;
    }

    /** The cache folder for per-machine measurements. */
    static Path cacheDir() {
        String dir = System.getProperty("pot4j.cacheDir");
        if (dir != null && !dir.isBlank()) {
            return Path.of(dir);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Path.of(xdg, "pot4j");
        }
        String local = System.getenv("LOCALAPPDATA");
        if (local != null && System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows")) {
            return Path.of(local, "pot4j");
        }
        return Path.of(System.getProperty("user.home"), ".cache", "pot4j");
    }

    private static OnnxKernelTable read(Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try (InputStream in = Files.newInputStream(file)) {
            Properties p = new Properties();
            p.load(in);
            return OnnxKernelTable.fromProperties(p);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Temp sibling then move; a cache that cannot be written only costs a measurement next time. */
    private static void write(Path file, OnnxKernelTable table) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
            try (OutputStream out = Files.newOutputStream(tmp)) {
                table.toProperties().store(out, "pot4j: ONNX Runtime int8 kernel times (microseconds) on this CPU");
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot cache the int8 kernel table in {0}: {1}", file, e.toString());
        }
    }

    private static String key(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
