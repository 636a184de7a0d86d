package org.pot4j.cli;

import java.io.PrintWriter;
import org.pot4j.api.Pot4jException;

/**
 * Turns a failure into one readable line, {@code pot4j: error: <message>}, and an exit code. The
 * stack trace is printed only in verbose mode: users need the message, developers the trace.
 */
final class ErrorReporter {
    private final PrintWriter err;
    private final boolean verbose;

    ErrorReporter(PrintWriter err, boolean verbose) {
        this.err = err;
        this.verbose = verbose;
    }

    /** Reports {@code failure} and returns the exit code it maps to. */
    int report(Throwable failure) {
        OutOfMemoryError oom = findOom(failure);
        if (oom != null) {
            // one line, not the JVM's trace: what to do is raise the heap
            Pot4jException e = org.pot4j.engine.HeapCheck.outOfMemory("running pot4j", oom);
            err.println("pot4j: error: " + e.code() + ": " + oneLine(e.getMessage()));
            if (verbose) {
                failure.printStackTrace(err);
            }
            err.flush();
            return exitCodeOf(e);
        }
        Pot4jException pot4j = find(failure);
        String line;
        int code;
        if (pot4j != null) {
            line = oneLine(pot4j.getMessage());
            code = exitCodeOf(pot4j);
        } else {
            line = "internal error: " + failure.getClass().getName()
                    + (failure.getMessage() == null ? "" : ": " + oneLine(failure.getMessage()))
                    + (verbose ? "" : " (rerun with --verbose for the stack trace)");
            code = ExitCode.FAILURE;
        }
        err.println("pot4j: error: " + line);
        if (verbose) {
            failure.printStackTrace(err);
        }
        err.flush();
        return code;
    }

    /**
     * A model that failed inside a job: one line with its code and message; with --verbose the
     * stack trace of the failure follows.
     */
    void modelFailed(String model, org.pot4j.api.ErrorCode code, String message, Throwable cause) {
        err.println("pot4j: error: model '" + model + "' failed: " + (code == null ? "" : code + ": ") + oneLine(message));
        if (verbose && cause != null) {
            cause.printStackTrace(err);
        }
        err.flush();
    }

    private static OutOfMemoryError findOom(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof OutOfMemoryError o) {
                return o;
            }
        }
        return null;
    }

    /** Prints a one-line error without an exception. */
    void error(String message) {
        err.println("pot4j: error: " + oneLine(message));
        err.flush();
    }

    /** 2 for errors the user can fix (config, files, data), 1 for the rest. */
    static int exitCodeOf(Pot4jException e) {
        return e.code().isUserError() ? ExitCode.USAGE : ExitCode.FAILURE;
    }

    /** The first {@link Pot4jException} in the cause chain, or null. */
    static Pot4jException find(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof Pot4jException p) {
                return p;
            }
        }
        return null;
    }

    /** Collapses a multi-line message into one line. */
    static String oneLine(String message) {
        if (message == null || message.isBlank()) {
            return "(no message)";
        }
        return message.strip().replaceAll("\\s*\\R\\s*", " | ");
    }
}
