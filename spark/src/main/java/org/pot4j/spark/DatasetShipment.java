package org.pot4j.spark;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.pot4j.engine.Sha256;

/**
 * How an executor opens the driver's dataset: the config spec (as the driver's
 * {@code DatasetProvider} got it) and the folder its relative paths are resolved against. The
 * files themselves are not shipped: they must be readable at that path on every executor (a
 * shared file system), as Spark jobs usually read their input. An {@code annotation} key is
 * dropped: executors run the model, annotations are read by the driver, which runs the metrics.
 */
final class DatasetShipment implements Serializable {
    private static final long serialVersionUID = 1L;

    final String id;
    final Map<String, Object> spec;
    final String baseDir;

    private DatasetShipment(Map<String, Object> spec, String baseDir) {
        this.spec = spec;
        this.baseDir = baseDir;
        this.id = Sha256.of(spec + "\n" + baseDir);
    }

    static DatasetShipment of(Map<String, Object> spec, Path baseDir) {
        Map<String, Object> s = new LinkedHashMap<>(spec);
        s.remove("annotation");
        return new DatasetShipment(s, baseDir.toAbsolutePath().normalize().toString());
    }
}
