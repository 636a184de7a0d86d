package org.pot4j.backend.tensorflow;

/** Helpers to turn TensorFlow's multi-line native errors into pot4j's one-line messages. */
final class TfErrors {
    private static final int MAX_LENGTH = 300;

    private TfErrors() {
    }

    /** The first non-blank line of the throwable's message (or its class name), shortened. */
    static String firstLine(Throwable t) {
        String msg = t.getMessage();
        if (msg == null || msg.isBlank()) {
            return t.getClass().getSimpleName();
        }
        for (String line : msg.split("\\R")) {
            String s = line.strip();
            if (!s.isEmpty()) {
                return s.length() > MAX_LENGTH ? s.substring(0, MAX_LENGTH) + "..." : s;
            }
        }
        return t.getClass().getSimpleName();
    }
}
