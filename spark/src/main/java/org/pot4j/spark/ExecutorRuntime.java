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
import org.pot4j.api.data.Dataset;
import org.pot4j.api.model.Model;
import org.pot4j.engine.Pot4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one executor JVM keeps between tasks: one {@link Pot4j} (plugins found by ServiceLoader on
 * the executor's class path and in the configured plugin folders), the models unpacked from their
 * broadcast bytes and loaded through their backend, and the opened datasets. Every later task of
 * any pass reuses them, so a model is unpacked and loaded once per executor, not per task.
 */
final class ExecutorRuntime {
    private static final Logger LOG = LoggerFactory.getLogger(ExecutorRuntime.class);
    private static final Map<List<String>, Pot4j> ENGINES = new ConcurrentHashMap<>();
    private static final Map<String, Model> MODELS = new ConcurrentHashMap<>();
    private static final Map<String, Dataset> DATASETS = new ConcurrentHashMap<>();
    private static final List<Path> UNPACKED = new ArrayList<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ExecutorRuntime::deleteUnpacked, "pot4j-spark-cleanup"));
    }

    private ExecutorRuntime() {
    }

    static Pot4j engine(List<String> pluginDirs) {
        return ENGINES.computeIfAbsent(List.copyOf(pluginDirs), dirs -> {
            List<Path> existing = new ArrayList<>();
            for (String d : dirs) {
                Path p = Path.of(d);
                if (Files.isDirectory(p)) {
                    existing.add(p);
                } else {
                    LOG.warn("pot4j-spark: plugin folder {} does not exist on this executor; skipped", d);
                }
            }
            return Pot4j.builder().classLoader(ExecutorRuntime.class.getClassLoader()).pluginDirs(existing).build();
        });
    }

    static Model model(ModelShipment shipment, List<String> pluginDirs) {
        return MODELS.computeIfAbsent(shipment.id, id -> load(shipment, pluginDirs));
    }

    static Dataset dataset(DatasetShipment shipment, List<String> pluginDirs) {
        return DATASETS.computeIfAbsent(shipment.id,
                id -> engine(pluginDirs).openDataset(shipment.spec, Path.of(shipment.baseDir)));
    }

    private static Model load(ModelShipment shipment, List<String> pluginDirs) {
        Path dir;
        try {
            dir = Files.createTempDirectory("pot4j-spark-model-");
            synchronized (UNPACKED) {
                UNPACKED.add(dir);
            }
            for (Map.Entry<String, byte[]> f : shipment.files.entrySet()) {
                Path target = dir.resolve(f.getKey()).normalize();
                if (!target.startsWith(dir)) {
                    throw new Pot4jException(ErrorCode.CONFIG_INVALID, "shipped model file name " + f.getKey() + " leaves its folder");
                }
                Files.createDirectories(target.getParent());
                Files.write(target, f.getValue());
            }
        } catch (IOException e) {
            throw new Pot4jException(ErrorCode.IO_FAILURE, "cannot unpack the model on the Spark executor: " + e.getMessage(), e);
        }
        Path entry = dir.resolve(shipment.entry).normalize();
        LOG.info("pot4j-spark: loading the broadcast model ({} bytes) with backend {}", shipment.bytes(), shipment.backend);
        return engine(pluginDirs).loadModel(entry, shipment.backend, shipment.options);
    }

    private static void deleteUnpacked() {
        synchronized (UNPACKED) {
            for (Path dir : UNPACKED) {
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
