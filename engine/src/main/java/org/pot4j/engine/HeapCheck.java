package org.pot4j.engine;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.io.FileTrees;

/**
 * Out-of-memory handling: refuse a model the heap cannot hold before reading it, and turn an
 * {@link OutOfMemoryError} into one {@code OUT_OF_MEMORY} line that says what was being done and how
 * to raise the heap.
 */
public final class HeapCheck {
    /**
     * A backend holds a model's bytes and its parsed form at least once each on the heap (ONNX reads
     * the file, then parses it; the engine copies weights out), so a model needs about twice its
     * size.
     */
    static final int COPIES = 2;

    private HeapCheck() {
    }

    /**
     * Fails with {@code OUT_OF_MEMORY} when the file (or all files of the folder) is larger than the
     * heap can hold in {@link #COPIES} copies.
     *
     * @param what names it in the message, e.g. {@code model lenet.onnx}
     */
    public static void beforeReading(Path path, String what) {
        long bytes = sizeOf(path);
        long max = Runtime.getRuntime().maxMemory();
        if (max != Long.MAX_VALUE && bytes > 0 && bytes > max / COPIES) {
            throw new Pot4jException(ErrorCode.OUT_OF_MEMORY, what + " is " + mib(bytes) + " but the Java heap is "
                    + mib(max) + " (it needs about " + COPIES + "x the size); " + raiseHint(bytes * COPIES + (256L << 20)));
        }
    }

    /** The {@code OUT_OF_MEMORY} error for an {@link OutOfMemoryError} raised while doing {@code what}. */
    public static Pot4jException outOfMemory(String what, OutOfMemoryError e) {
        long max = Runtime.getRuntime().maxMemory();
        return new Pot4jException(ErrorCode.OUT_OF_MEMORY, "out of memory while " + what + " (Java heap " + mib(max) + ": "
                + e.getMessage() + "); " + raiseHint(max * 2), e);
    }

    /** How to raise the heap to at least {@code bytes}. */
    static String raiseHint(long bytes) {
        long gib = Math.max(2, (bytes + (1L << 30) - 1) >> 30);
        return "raise the heap, e.g. JAVA_OPTS=-Xmx" + gib + "g pot4j ... (or -Xmx" + gib + "g for java)";
    }

    private static long sizeOf(Path p) {
        try {
            return FileTrees.size(p);
        } catch (IOException | RuntimeException e) {
            // unknown size: let the reader try (and fail with its own message)
            return 0;
        }
    }

    static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.0f MiB", bytes / 1048576.0);
    }
}
