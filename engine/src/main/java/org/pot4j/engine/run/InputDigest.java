package org.pot4j.engine.run;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.engine.Pot4j;
import org.pot4j.engine.Sha256;
import org.pot4j.engine.config.DatasetSpec;
import org.pot4j.engine.config.ModelJob;

/**
 * What {@code --resume} compares before reusing anything: the content (size and SHA-256) of the
 * model file or folder and of every file a dataset spec names, the job's effective config and the
 * pot4j version. A result or checkpoint made from other inputs is never reused.
 */
final class InputDigest {
    /** One input file: absolute path, size and SHA-256 (or {@code missing}). */
    record FileDigest(String path, long size, String sha256) {
        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("path", path);
            m.put("size", size);
            m.put("sha256", sha256);
            return m;
        }
    }

    private final String configHash;
    private final List<FileDigest> files;

    private InputDigest(String configHash, List<FileDigest> files) {
        this.configHash = configHash;
        this.files = List.copyOf(files);
    }

    /** Digests the inputs of {@code job}: the model and every existing path its datasets name. */
    static InputDigest of(ModelJob job, Path baseDir, String configHash) {
        return new InputDigest(configHash, digest(inputPaths(job, baseDir)));
    }

    /** The model path and the dataset paths of a job (files, or folders to walk), absolute. */
    static List<Path> inputPaths(ModelJob job, Path baseDir) {
        List<Path> paths = new ArrayList<>();
        Path model = job.model().path().toAbsolutePath().normalize();
        paths.add(model);
        // a backend may read options from a sidecar next to the model (e.g. lenet.pt.json for TorchScript inputs)
        Path fileName = model.getFileName();
        Path sidecar = fileName == null ? null : model.resolveSibling(fileName + ".json");
        if (sidecar != null && Files.isRegularFile(sidecar)) {
            paths.add(sidecar);
        }
        paths.addAll(datasetPaths(job.engine().calibrationDataset(), baseDir));
        if (job.engine().validationDataset() != null) {
            paths.addAll(datasetPaths(job.engine().validationDataset(), baseDir));
        }
        return paths;
    }

    /**
     * Every string parameter of a dataset spec that names an existing file or folder (relative to
     * the config's folder): dataset providers differ in their keys ({@code images}, {@code labels},
     * {@code path}, ...), the rule "a string that is a path" covers them all.
     */
    static List<Path> datasetPaths(DatasetSpec spec, Path baseDir) {
        List<Path> out = new ArrayList<>();
        for (Object v : spec.params().values()) {
            collect(v, baseDir, out);
        }
        return out;
    }

    private static void collect(Object v, Path baseDir, List<Path> out) {
        if (v instanceof String s && !s.isBlank()) {
            try {
                Path p = (baseDir == null ? Path.of(s) : baseDir.resolve(s)).toAbsolutePath().normalize();
                if (Files.exists(p)) {
                    out.add(p);
                }
            } catch (RuntimeException e) {
                // not a path (InvalidPathException): not an input file
            }
        } else if (v instanceof Collection<?> c) {
            c.forEach(x -> collect(x, baseDir, out));
        } else if (v instanceof Map<?, ?> m) {
            m.values().forEach(x -> collect(x, baseDir, out));
        }
    }

    /** Digests files, and every regular file under a folder, sorted by path. */
    static List<FileDigest> digest(Collection<Path> paths) {
        TreeSet<Path> all = new TreeSet<>();
        for (Path p : paths) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.walk(p)) {
                    s.filter(Files::isRegularFile).forEach(all::add);
                } catch (IOException e) {
                    throw new Pot4jException(ErrorCode.IO_FAILURE, "cannot list " + p + ": " + e.getMessage(), e);
                }
            } else {
                all.add(p.toAbsolutePath().normalize());
            }
        }
        List<FileDigest> out = new ArrayList<>();
        for (Path p : all) {
            out.add(digestFile(p));
        }
        return out;
    }

    private static FileDigest digestFile(Path p) {
        if (!Files.exists(p)) {
            return new FileDigest(p.toString(), -1, "missing");
        }
        if (!Files.isRegularFile(p)) {
            // never read a FIFO or device: it could block forever
            return new FileDigest(p.toString(), -1, "not-a-regular-file");
        }
        try (InputStream in = new DigestInputStream(Files.newInputStream(p), Sha256.newDigest())) {
            MessageDigest md = ((DigestInputStream) in).getMessageDigest();
            byte[] buf = new byte[1 << 16];
            long size = 0;
            for (int n; (n = in.read(buf)) > 0; ) {
                size += n;
            }
            return new FileDigest(p.toString(), size, Sha256.hex(md.digest()));
        } catch (IOException e) {
            throw new Pot4jException(ErrorCode.IO_FAILURE, "cannot read " + p + " to check it for --resume: " + e.getMessage(), e);
        }
    }

    /** The key: a SHA-256 over the pot4j version, the config hash and every file's digest. */
    String key() {
        StringBuilder sb = new StringBuilder("pot4j=").append(Pot4j.version()).append('\n');
        sb.append("config=").append(configHash).append('\n');
        for (FileDigest f : files) {
            sb.append(f.path()).append(' ').append(f.size()).append(' ').append(f.sha256()).append('\n');
        }
        return hex(sb.toString());
    }

    List<FileDigest> files() {
        return files;
    }

    /** For report.json: the files and their digests. */
    List<Object> toJson() {
        List<Object> out = new ArrayList<>();
        files.forEach(f -> out.add(f.toJson()));
        return out;
    }

    /**
     * Which recorded files changed, by comparing with {@code recorded} (report.json's
     * {@code inputs}); empty when the file lists agree (the key may still differ by config or version).
     */
    List<String> changedSince(List<FileDigest> recorded) {
        Map<String, FileDigest> before = new LinkedHashMap<>();
        recorded.forEach(f -> before.put(f.path(), f));
        List<String> changed = new ArrayList<>();
        for (FileDigest now : files) {
            FileDigest was = before.remove(now.path());
            if (was == null) {
                changed.add(now.path() + " (new)");
            } else if (!was.sha256().equals(now.sha256()) || was.size() != now.size()) {
                changed.add(now.path());
            }
        }
        before.keySet().forEach(p -> changed.add(p + " (no longer used)"));
        return changed;
    }

    static String hex(String text) {
        return Sha256.of(text);
    }
}
