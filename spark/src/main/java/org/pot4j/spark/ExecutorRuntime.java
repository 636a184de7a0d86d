package org.pot4j.spark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.engine.Pot4j;
import org.pot4j.engine.evaluation.executor.ModelDescriptor;
import org.pot4j.engine.evaluation.executor.TaskRunner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one executor JVM keeps between Spark tasks: one engine and its {@link TaskRunner} (plugins
 * found by ServiceLoader on the executor's class path and in the configured plugin folders; the
 * runner keeps loaded models and opened datasets), and each broadcast model unpacked once into a
 * local folder. Every later task of every pass reuses them.
 */
final class ExecutorRuntime {
    private static final Logger LOG = LoggerFactory.getLogger(ExecutorRuntime.class);
    private static final Map<List<String>, TaskRunner> RUNNERS = new ConcurrentHashMap<>();
    private static final Map<String, ModelDescriptor> UNPACKED = new ConcurrentHashMap<>();
    private static final List<Path> FOLDERS = new ArrayList<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ExecutorRuntime::deleteFolders, "pot4j-spark-cleanup"));
    }

    private ExecutorRuntime() {
    }

    static TaskRunner runner(List<String> pluginDirs) {
        return RUNNERS.computeIfAbsent(List.copyOf(pluginDirs), dirs -> {
            List<Path> existing = new ArrayList<>();
            for (String d : dirs) {
                Path p = Path.of(d);
                if (Files.isDirectory(p)) {
                    existing.add(p);
                } else {
                    LOG.warn("pot4j-spark: plugin folder {} does not exist on this executor; skipped", d);
                }
            }
            Pot4j engine = Pot4j.builder().classLoader(ExecutorRuntime.class.getClassLoader()).pluginDirs(existing).build();
            return new TaskRunner(engine);
        });
    }

    /** The model's descriptor pointing at this executor's copy of its files (unpacked on first use). */
    static ModelDescriptor unpacked(ModelShipment shipment) {
        return UNPACKED.computeIfAbsent(shipment.id, id -> unpack(shipment));
    }

    private static ModelDescriptor unpack(ModelShipment shipment) {
        try {
            Path dir = Files.createTempDirectory("pot4j-spark-model-");
            synchronized (FOLDERS) {
                FOLDERS.add(dir);
            }
            for (Map.Entry<String, byte[]> f : shipment.files.entrySet()) {
                Path target = dir.resolve(f.getKey()).normalize();
                if (!target.startsWith(dir)) {
                    throw new Pot4jException(ErrorCode.CONFIG_INVALID, "shipped model file name " + f.getKey() + " leaves its folder");
                }
                Files.createDirectories(target.getParent());
                Files.write(target, f.getValue());
            }
            LOG.info("pot4j-spark: model {} ({} bytes) unpacked on this executor", shipment.descriptor.path(), shipment.bytes());
            return shipment.descriptor.at(dir.resolve(shipment.entry).normalize().toString());
        } catch (IOException e) {
            throw new Pot4jException(ErrorCode.IO_FAILURE, "cannot unpack model " + shipment.descriptor.path()
                    + " on the Spark executor (java.io.tmpdir): " + e.getMessage(), e);
        }
    }

    private static void deleteFolders() {
        synchronized (FOLDERS) {
            for (Path dir : FOLDERS) {
                try (Stream<Path> walk = Files.walk(dir)) {
                    for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(p);
                    }
                } catch (IOException ignored) {
                    // best effort at JVM exit; the folder is under java.io.tmpdir
                }
            }
        }
    }
}
