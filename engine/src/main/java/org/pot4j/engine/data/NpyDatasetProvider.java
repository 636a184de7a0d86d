package org.pot4j.engine.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.data.DatasetProvider;
import org.pot4j.api.data.Sample;
import org.pot4j.api.param.Required;

/**
 * {@code type: npy} — a folder of {@code .npy} arrays, one per model input, named after the input
 * (file stem). The first axis of every array indexes samples. Parameters: {@code path} (the
 * folder, or a single {@code .npy} file), {@code inputs} (optional list of stems; default every
 * {@code .npy} in the folder except the labels file, sorted), {@code labels} (optional
 * {@code .npy} or {@code .txt} with one label per line; resolved against the config folder, then
 * against the data folder). Integer labels become {@code Integer} annotations, other scalars
 * {@code Double}, label arrays with more axes a {@code Tensor} with batch dimension 1.
 */
public final class NpyDatasetProvider implements DatasetProvider<NpyDatasetProvider.Options> {

    @Override
    public String name() {
        return "npy";
    }

    /**
     * The parameters, bound by the engine's one {@link org.pot4j.engine.config.ParamBinder}.
     *
     * @param path   the folder, or one .npy file
     * @param inputs stems of the inputs (a single name is a list of one), null for every .npy but the labels
     * @param labels .npy or .txt labels, null for none
     */
    public record Options(@Required("a folder of .npy files, or one .npy file") String path, List<String> inputs,
                          String labels) {
    }

    @Override
    public Class<Options> parameters() {
        return Options.class;
    }

    @Override
    public Dataset open(Options p, Path baseDir) {
        Path path = DatasetFiles.existing("npy", "path", baseDir, p.path());
        Path folder = Files.isDirectory(path) ? path : path.getParent();
        Path labelsPath = labelsPath(p.labels(), baseDir, folder);

        Map<String, NpyArray> inputs = new LinkedHashMap<>();
        if (!Files.isDirectory(path)) {
            inputs.put(stem(path), NpyArray.read(path));
        } else {
            List<String> stems = p.inputs();
            List<Path> available = npyFiles(path, labelsPath);
            if (stems == null) {
                for (Path f : available) {
                    inputs.put(stem(f), NpyArray.read(f));
                }
            } else {
                for (String s : stems) {
                    Path f = path.resolve(s.endsWith(".npy") ? s : s + ".npy");
                    if (!Files.isRegularFile(f)) {
                        throw new Pot4jException(ErrorCode.FILE_NOT_FOUND, "npy dataset: input '" + s + "' has no file " + f
                                + "; available: " + available.stream().map(NpyDatasetProvider::stem).toList());
                    }
                    inputs.put(stem(f), NpyArray.read(f));
                }
            }
            if (inputs.isEmpty()) {
                throw new Pot4jException(ErrorCode.DATASET_EMPTY, "npy dataset: folder " + path + " holds no .npy input file");
            }
        }
        NpyArray first = inputs.values().iterator().next();
        for (NpyArray a : inputs.values()) {
            if (a.count() != first.count()) {
                throw DatasetFiles.invalid(a.file(), "count mismatch: " + a.count() + " samples but "
                        + first.file().getFileName() + " has " + first.count() + " (the first axis indexes samples)");
            }
        }
        Object[] labels = labelsPath == null ? null : readLabels(labelsPath, first);
        return new NpyDataset(path.getFileName().toString(), inputs, labels, first.count());
    }

    private static Path labelsPath(String labels, Path baseDir, Path folder) {
        Path fromBase = DatasetFiles.resolve(baseDir, labels);
        if (fromBase == null) {
            return null;
        }
        if (Files.isRegularFile(fromBase)) {
            return fromBase;
        }
        Path inFolder = folder.resolve(labels).normalize();
        if (Files.isRegularFile(inFolder)) {
            return inFolder;
        }
        throw new Pot4jException(ErrorCode.FILE_NOT_FOUND, "npy dataset: labels file " + fromBase + " does not exist"
                + " (nor " + inFolder + ")");
    }

    private static List<Path> npyFiles(Path folder, Path labels) {
        try (Stream<Path> s = Files.list(folder)) {
            return s.filter(f -> Files.isRegularFile(f) && f.getFileName().toString().endsWith(".npy"))
                    .filter(f -> labels == null || !f.toAbsolutePath().normalize().equals(labels.toAbsolutePath().normalize()))
                    .sorted().toList();
        } catch (IOException e) {
            throw new Pot4jException(ErrorCode.IO_FAILURE, "cannot list " + folder + ": " + e.getMessage(), e);
        }
    }

    private static Object[] readLabels(Path file, NpyArray inputs) {
        Object[] labels;
        if (file.getFileName().toString().endsWith(".npy")) {
            NpyArray a = NpyArray.read(file);
            labels = new Object[a.count()];
            boolean scalar = a.shape().length == 1;
            for (int i = 0; i < labels.length; i++) {
                Tensor t = a.item(i);
                if (!scalar) {
                    labels[i] = t.withBatchDim();
                } else if (t.dataType().isFloatingPoint()) {
                    labels[i] = t.getDouble(0);
                } else {
                    labels[i] = (int) t.getDouble(0);
                }
            }
        } else {
            List<String> lines;
            try {
                lines = new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new Pot4jException(ErrorCode.DATASET_INVALID, file + ": cannot read labels (" + e.getMessage() + ")", e);
            }
            while (!lines.isEmpty() && lines.get(lines.size() - 1).isBlank()) {
                lines.remove(lines.size() - 1);
            }
            labels = new Object[lines.size()];
            for (int i = 0; i < labels.length; i++) {
                labels[i] = CsvDatasetProvider.label(lines.get(i).trim());
            }
        }
        if (labels.length != inputs.count()) {
            throw DatasetFiles.invalid(file, "count mismatch: " + labels.length + " labels for " + inputs.count()
                    + " samples in " + inputs.file().getFileName());
        }
        return labels;
    }

    static String stem(Path f) {
        String n = f.getFileName().toString();
        return n.endsWith(".npy") ? n.substring(0, n.length() - 4) : n;
    }

    private static final class NpyDataset implements Dataset {
        private final String name;
        private final Map<String, NpyArray> inputs;
        private final Object[] labels;
        private final int size;

        NpyDataset(String name, Map<String, NpyArray> inputs, Object[] labels, int size) {
            this.name = name;
            this.inputs = inputs;
            this.labels = labels;
            this.size = size;
        }

        @Override
        public int size() {
            return size;
        }

        @Override
        public Sample get(int index) {
            if (index < 0 || index >= size) {
                throw new IndexOutOfBoundsException(index);
            }
            Map<String, Tensor> in = new LinkedHashMap<>();
            inputs.forEach((k, a) -> in.put(k, a.item(index)));
            return new Sample(in, labels == null ? null : labels[index], Map.of());
        }

        @Override
        public String name() {
            return name;
        }
    }
}
