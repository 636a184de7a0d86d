package org.pot4j.backend.tensorflow;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** A temporary folder for fixtures that must exist before JUnit injects {@code @TempDir} (in {@code @BeforeAll}). */
final class TfScratch implements AutoCloseable {
    private Path dir;

    /** The folder, created on first use. */
    synchronized Path dir() {
        if (dir == null) {
            try {
                dir = Files.createTempDirectory("pot4j-tf-test");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return dir;
    }

    @Override
    public synchronized void close() {
        if (dir == null) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        dir = null;
    }
}
