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
import org.pot4j.engine.evaluation.executor.ModelDescriptor;

/**
 * A model as it is broadcast to the executors: its descriptor (backend, path, load options) and
 * the bytes of every file it was read from (ONNX external data, all of a SavedModel folder), keyed
 * by their path relative to the model's folder, so executors need no shared file system for the
 * model. {@link #id} (a digest of all of it) keys the executors' unpacked copies.
 */
final class ModelShipment implements Serializable {
    private static final long serialVersionUID = 1L;

    final String id;
    final ModelDescriptor descriptor;
    /** The path to load, relative to the folder the files are unpacked into. */
    final String entry;
    final Map<String, byte[]> files;

    private ModelShipment(String id, ModelDescriptor descriptor, String entry, Map<String, byte[]> files) {
        this.id = id;
        this.descriptor = descriptor;
        this.entry = entry;
        this.files = files;
    }

    /**
     * Reads the model's files.
     *
     * @param descriptor  how the driver loaded it
     * @param sourceFiles every file it was read from ({@code Model.sourceFiles()})
     */
    static ModelShipment of(ModelDescriptor descriptor, List<Path> sourceFiles) {
        Path abs = Path.of(descriptor.path()).toAbsolutePath().normalize();
        Path root = Files.isDirectory(abs) ? abs : abs.getParent();
        Map<String, byte[]> files = new LinkedHashMap<>();
        StringBuilder digest = new StringBuilder(descriptor.backend()).append('\n').append(descriptor.loadOptions()).append('\n');
        for (Path f : sourceFiles) {
            Path p = f.toAbsolutePath().normalize();
            if (!p.startsWith(root)) {
                throw new Pot4jException(ErrorCode.CONFIG_INVALID, "model file " + p + " lies outside the model's folder " + root
                        + "; the Spark executor ships a model's files relative to its folder: keep them together");
            }
            try {
                byte[] bytes = Files.readAllBytes(p);
                String rel = root.relativize(p).toString().replace('\\', '/');
                files.put(rel, bytes);
                digest.append(rel).append('=').append(Sha256.of(bytes)).append('\n');
            } catch (IOException e) {
                throw new Pot4jException(ErrorCode.IO_FAILURE, "cannot read model file " + p + " to ship it to the Spark executors: "
                        + e.getMessage(), e);
            }
        }
        String entry = Files.isDirectory(abs) ? "." : abs.getFileName().toString();
        return new ModelShipment(Sha256.of(digest.toString()), descriptor, entry, files);
    }

    long bytes() {
        long n = 0;
        for (byte[] b : files.values()) {
            n += b.length;
        }
        return n;
    }
}
