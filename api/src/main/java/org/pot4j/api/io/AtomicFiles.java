package org.pot4j.api.io;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;

/**
 * "Write then move", once for the engine and every backend: the bytes go to a temporary sibling
 * that is then moved over the target, so readers (and a run killed half-way) see the old file or
 * the new one, never half of it. In the api because backends may import nothing else of pot4j.
 */
public final class AtomicFiles {
    private AtomicFiles() {
    }

    /** Writes {@code text} as UTF-8 to {@code target} atomically. */
    public static void writeString(Path target, String text) {
        write(target, text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Writes {@code bytes} to {@code target} atomically, creating parent folders. The file is
     * readable by all (temp files are created owner-only).
     *
     * @throws Pot4jException {@code IO_FAILURE} naming the file
     */
    public static void write(Path target, byte[] bytes) {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + abs.getFileName(), ".tmp");
            Files.write(tmp, bytes);
            readableByAll(tmp);
            move(tmp, abs);
            tmp = null;
        } catch (IOException e) {
            throw new Pot4jException(ErrorCode.IO_FAILURE, "cannot write " + target + ": " + e.getMessage()
                    + "; check that the folder is writable and the disk is not full", e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort: a stray temp file is harmless
                }
            }
        }
    }

    /** Moves {@code from} over {@code to} atomically when the file system can, else replacing it. */
    public static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Temp files are created owner-only (0600); outputs are ordinary files (0644). */
    public static void readableByAll(Path file) {
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        } catch (UnsupportedOperationException | IOException e) {
            // not a POSIX file system: keep the default permissions
        }
    }
}
