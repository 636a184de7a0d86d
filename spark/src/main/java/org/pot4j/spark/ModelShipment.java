package org.pot4j.spark;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.engine.Sha256;

/**
 * Everything an executor needs to load the driver's model through the same backend plugin: the
 * backend name, the load options and the bytes of every file the model was read from (ONNX external
 * data, a SavedModel folder), keyed by their path relative to the model's folder. Broadcast once
 * per model; {@link #id} (a digest of all of it) keys the executors' model cache.
 */
final class ModelShipment implements Serializable {
    private static final long serialVersionUID = 1L;

    final String id;
    final String backend;
    /** The path to load, relative to the folder the files are unpacked into. */
    final String entry;
    final Map<String, byte[]> files;
    final Map<String, Object> options;

    private ModelShipment(String id, String backend, String entry, Map<String, byte[]> files, Map<String, Object> options) {
        this.id = id;
        this.backend = backend;
        this.entry = entry;
        this.files = files;
        this.options = options;
    }

    /**
     * Reads the model's files.
     *
     * @param modelPath   the path the model was loaded from (a file or a folder)
     * @param backend     the backend that loaded it
     * @param options     its load options (only strings, numbers, booleans, lists and maps travel)
     * @param sourceFiles every file it was read from
     */
    static ModelShipment of(Path modelPath, String backend, Map<String, Object> options, List<Path> sourceFiles) {
        Path abs = modelPath.toAbsolutePath().normalize();
        Path root = Files.isDirectory(abs) ? abs : abs.getParent();
        Map<String, byte[]> files = new LinkedHashMap<>();
        StringBuilder digestInput = new StringBuilder(backend).append('\n').append(options).append('\n');
        for (Path f : sourceFiles) {
            Path p = f.toAbsolutePath().normalize();
            if (!p.startsWith(root)) {
                throw new Pot4jException(ErrorCode.CONFIG_INVALID, "model file " + p + " lies outside the model folder "
                        + root + "; the Spark executor ships files relative to it: keep the model's files in its folder");
            }
            try {
                byte[] bytes = Files.readAllBytes(p);
                String rel = root.relativize(p).toString().replace('\\', '/');
                files.put(rel, bytes);
                digestInput.append(rel).append('=').append(Sha256.of(bytes)).append('\n');
            } catch (IOException e) {
                throw new Pot4jException(ErrorCode.IO_FAILURE, "cannot read model file " + p + " to ship it to the Spark executors: "
                        + e.getMessage(), e);
            }
        }
        String entry = Files.isDirectory(abs) ? "." : abs.getFileName().toString();
        return new ModelShipment(Sha256.of(digestInput.toString()),
                backend, entry, files, new LinkedHashMap<>(options));
    }

    long bytes() {
        long n = 0;
        for (byte[] b : files.values()) {
            n += b.length;
        }
        return n;
    }
}
