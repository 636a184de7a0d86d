package org.pot4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Pot4jCliTest {
    @TempDir
    Path tmp;

    @Test
    void noSubcommandPrintsUsageAndExitsWithTwo() {
        CliRun r = CliRun.of();
        assertEquals(ExitCode.USAGE, r.code(), r.toString());
        assertTrue(r.out().contains("quantize") && r.out().contains("benchmark") && r.out().contains("plugins"), r.toString());
    }

    @Test
    void versionAndHelpExitWithZero() {
        assertEquals(0, CliRun.of("--version").code());
        CliRun help = CliRun.of("quantize", "--help");
        assertEquals(0, help.code());
        assertTrue(help.out().contains("--resume") && help.out().contains("--output"), help.toString());
    }

    @Test
    void unknownOptionIsAOneLineUsageError() {
        CliRun r = CliRun.of("quantize", "--outptu", "x", "config.json");
        assertEquals(ExitCode.USAGE, r.code(), r.toString());
        assertEquals(1, r.err().lines().count(), r.toString());
        assertTrue(r.err().startsWith("pot4j: error: Unknown option"), r.toString());
        assertTrue(r.err().contains("'--outptu'") && r.err().contains("did you mean --output?"), r.toString());
        assertTrue(r.err().contains("see 'pot4j quantize --help'"), r.toString());
    }

    @Test
    void missingConfigFileExitsWithTwo() {
        CliRun r = CliRun.of("quantize", tmp.resolve("nope.json").toString());
        assertEquals(ExitCode.USAGE, r.code(), r.toString());
        assertEquals(1, r.err().lines().count(), r.toString());
        assertTrue(r.err().startsWith("pot4j: error: config file ") && r.err().contains("nope.json does not exist"), r.toString());
    }

    @Test
    void misspeltConfigKeyExitsWithTwoAndOneLineNamingTheKey() throws IOException {
        Path config = misspeltConfig();
        CliRun r = CliRun.of("quantize", config.toString());
        assertEquals(ExitCode.USAGE, r.code(), r.toString());
        assertEquals(1, r.err().lines().count(), "one line, no stack trace: " + r);
        assertTrue(r.err().startsWith("pot4j: error: "), r.toString());
        assertTrue(r.err().contains("presett"), r.toString());
        assertFalse(r.err().contains("\tat "), r.toString());
        assertFalse(Files.exists(tmp.resolve("out")), "nothing written for a bad config");
    }

    @Test
    void verboseAddsTheStackTraceWhereverTheFlagIs() throws IOException {
        Path config = misspeltConfig();
        for (String[] args : new String[][] {{"--verbose", "quantize", config.toString()}, {"quantize", "-v", config.toString()}}) {
            CliRun r = CliRun.of(args);
            assertEquals(ExitCode.USAGE, r.code(), r.toString());
            assertEquals(1, r.errorLines().size(), r.toString());
            assertTrue(r.err().contains("\tat org.pot4j."), "stack trace expected: " + r);
        }
    }

    @Test
    void evaluateChecksItsFileToo() {
        CliRun r = CliRun.of("evaluate", tmp.resolve("missing.yaml").toString());
        assertEquals(ExitCode.USAGE, r.code(), r.toString());
        assertEquals(1, r.errorLines().size(), r.toString());
    }

    @Test
    void missingPluginFolderIsAUsageError() {
        CliRun r = CliRun.of("--plugins", tmp.resolve("no-such-dir").toString(), "plugins");
        assertEquals(ExitCode.USAGE, r.code(), r.toString());
        assertTrue(r.err().startsWith("pot4j: error: plugins folder ") && r.err().contains("no-such-dir"), r.toString());
    }

    @Test
    void badProgressModeIsAUsageError() {
        StringWriterRun r = StringWriterRun.raw("--progress", "fancy", "plugins");
        assertEquals(ExitCode.USAGE, r.code(), r.toString());
        assertTrue(r.err().startsWith("pot4j: error: Invalid value for option '--progress'"), r.toString());
        assertEquals(1, r.err().lines().count(), r.toString());
    }

    /** The LeNet example config with {@code preset} misspelt, in a temp folder (paths made absolute). */
    private Path misspeltConfig() throws IOException {
        Path example = CliRun.example("mnist-lenet/config.json");
        assumeTrue(Files.exists(example), "example config not there yet");
        String text = Files.readString(example)
                .replace("\"preset\"", "\"presett\"")
                .replace("\"lenet.onnx\"", quote(example.resolveSibling("lenet.onnx")))
                .replace("\"../data/", "\"" + CliRun.examples().resolve("data").toString().replace('\\', '/') + "/");
        Path config = tmp.resolve("config.json");
        Files.writeString(config, text);
        return config;
    }

    private static String quote(Path p) {
        return "\"" + p.toString().replace('\\', '/') + "\"";
    }

    /** A run without the default {@code --progress none}. */
    record StringWriterRun(int code, String out, String err) {
        static StringWriterRun raw(String... args) {
            java.io.StringWriter out = new java.io.StringWriter();
            java.io.StringWriter err = new java.io.StringWriter();
            int code = Pot4jCli.execute(args, new java.io.PrintWriter(out, true), new java.io.PrintWriter(err, true));
            return new StringWriterRun(code, out.toString(), err.toString());
        }
    }
}
