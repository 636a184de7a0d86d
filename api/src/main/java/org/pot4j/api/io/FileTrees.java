package org.pot4j.api.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Sizes of models that are a file or a folder (SavedModel, external data), once for the engine and
 * every backend. In the api because backends may import nothing else of pot4j.
 */
public final class FileTrees {
    private FileTrees() {
    }

    /**
     * Bytes of a file, or of every regular file under a folder; a file that disappears or cannot be
     * read while the folder is walked counts 0.
     *
     * @throws IOException when {@code p} is missing or the folder cannot be walked
     */
    public static long size(Path p) throws IOException {
        if (!Files.isDirectory(p)) {
            return Files.size(p);
        }
        try (Stream<Path> s = Files.walk(p)) {
            return s.filter(Files::isRegularFile).mapToLong(FileTrees::sizeOrZero).sum();
        }
    }

    private static long sizeOrZero(Path f) {
        try {
            return Files.size(f);
        } catch (IOException e) {
            return 0;
        }
    }
}
