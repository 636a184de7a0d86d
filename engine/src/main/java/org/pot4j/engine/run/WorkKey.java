package org.pot4j.engine.run;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.pot4j.api.io.AtomicFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code work/inputs.key}: the {@link InputDigest} key of the inputs the checkpoints in
 * {@code work/} were made from. {@code --resume} keeps the checkpoints only when the key matches;
 * after a change of the model, a dataset file, the config or the pot4j version they are deleted.
 */
final class WorkKey {
    static final String FILE = "inputs.key";
    private static final Logger LOG = LoggerFactory.getLogger(WorkKey.class);

    private WorkKey() {
    }

    static void clearIfOtherInputs(Path workDir, String key, String modelName) {
        if (!Files.isDirectory(workDir)) {
            return;
        }
        Path file = workDir.resolve(FILE);
        String recorded = null;
        try {
            if (Files.isRegularFile(file)) {
                recorded = Files.readString(file, StandardCharsets.UTF_8).strip();
            }
        } catch (IOException e) {
            recorded = null;
        }
        if (key.equals(recorded)) {
            return;
        }
        boolean empty;
        try (var s = Files.list(workDir)) {
            empty = s.findAny().isEmpty();
        } catch (IOException e) {
            empty = false;
        }
        if (!empty) {
            LOG.warn("model {}: the checkpoints in {} were made from other inputs (model, data, config or pot4j version"
                    + " changed{}); deleting them and starting over", modelName, workDir,
                    recorded == null ? ", or no record of them" : "");
        }
        OutputFiles.deleteRecursively(workDir);
    }

    static void write(Path workDir, String key) {
        AtomicFiles.write(workDir.resolve(FILE), (key + "\n").getBytes(StandardCharsets.UTF_8));
    }
}
