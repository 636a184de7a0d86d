package org.pot4j.cli;

/** The launcher's exit codes; scripts and CI depend on them, so they never change meaning. */
public final class ExitCode {
    /** Everything worked (and every accuracy target was met). */
    public static final int OK = 0;
    /** A failure while running: a runtime, I/O or internal error. */
    public static final int FAILURE = 1;
    /** The user's input is wrong: command line, config, files, data. */
    public static final int USAGE = 2;
    /** Quantization finished but at least one model missed its accuracy target (best model written). */
    public static final int TARGET_NOT_MET = 3;

    private ExitCode() {
    }
}
