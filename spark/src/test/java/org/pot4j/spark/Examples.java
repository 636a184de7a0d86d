package org.pot4j.spark;

import java.nio.file.Files;
import java.nio.file.Path;

/** The repository's examples folder (surefire sets {@code pot4j.examples}). */
final class Examples {
    private Examples() {
    }

    static Path dir() {
        String p = System.getProperty("pot4j.examples");
        Path dir = Path.of(p != null ? p : "../examples").toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("examples folder not found: " + dir);
        }
        return dir;
    }
}
