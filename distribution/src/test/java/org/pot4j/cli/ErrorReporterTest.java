package org.pot4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.Test;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;

class ErrorReporterTest {
    @Test
    void userErrorsExitWithTwoAndOneLine() {
        StringWriter err = new StringWriter();
        int code = new ErrorReporter(new PrintWriter(err), false)
                .report(new Pot4jException(ErrorCode.CONFIG_UNKNOWN_KEY, "unknown key 'presett'"));
        assertEquals(ExitCode.USAGE, code);
        assertEquals("pot4j: error: unknown key 'presett'" + System.lineSeparator(), err.toString());
    }

    @Test
    void runtimeFailuresExitWithOneAndWrappedCausesAreFound() {
        StringWriter err = new StringWriter();
        Exception wrapped = new IllegalStateException("outer",
                new Pot4jException(ErrorCode.RUNTIME_FAILURE, "onnxruntime failed:\n  bad node"));
        int code = new ErrorReporter(new PrintWriter(err), false).report(wrapped);
        assertEquals(ExitCode.FAILURE, code);
        assertEquals("pot4j: error: onnxruntime failed: | bad node" + System.lineSeparator(), err.toString());
    }

    @Test
    void bugsSayHowToGetTheStackTraceAndVerbosePrintsIt() {
        StringWriter quiet = new StringWriter();
        new ErrorReporter(new PrintWriter(quiet), false).report(new UncheckedIOException("disk", new java.io.IOException("full")));
        assertEquals(1, quiet.toString().lines().count());
        assertTrue(quiet.toString().contains("--verbose"), quiet.toString());

        StringWriter verbose = new StringWriter();
        new ErrorReporter(new PrintWriter(verbose), true).report(new NullPointerException("boom"));
        assertTrue(verbose.toString().startsWith("pot4j: error: internal error: java.lang.NullPointerException: boom"));
        assertTrue(verbose.toString().contains("\tat org.pot4j.cli.ErrorReporterTest"), verbose.toString());
    }

    @Test
    void outOfMemoryIsOneLineWithTheHeapToRaise() {
        StringWriter err = new StringWriter();
        int code = new ErrorReporter(new PrintWriter(err), false)
                .report(new RuntimeException("wrapped", new OutOfMemoryError("Java heap space")));
        assertEquals(ExitCode.FAILURE, code);
        String text = err.toString();
        assertEquals(1, text.lines().count(), text);
        assertTrue(text.startsWith("pot4j: error: OUT_OF_MEMORY: out of memory while running pot4j") && text.contains("JAVA_OPTS=-Xmx"), text);
    }
}
