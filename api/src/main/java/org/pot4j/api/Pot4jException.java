package org.pot4j.api;

import java.util.Objects;

/**
 * The one exception type pot4j and its plugins throw for failures a user can see. The message is
 * one line that names the culprit (file, key, node, plugin) and the fix.
 */
public class Pot4jException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;

    /** Creates an exception with a code and a one-line message. */
    public Pot4jException(ErrorCode code, String message) {
        super(message);
        this.code = Objects.requireNonNull(code, "code");
    }

    /** Creates an exception with a code, a one-line message and the underlying cause. */
    public Pot4jException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = Objects.requireNonNull(code, "code");
    }

    /** What kind of failure this is. */
    public ErrorCode code() {
        return code;
    }

    @Override
    public String toString() {
        return code + ": " + getMessage();
    }
}
