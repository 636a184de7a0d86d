package org.pot4j.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs the launcher in-process and captures what it printed. */
record CliRun(int code, String out, String err) {
    /** Runs {@code pot4j args...} with progress switched off. */
    static CliRun of(String... args) {
        List<String> all = new ArrayList<>(List.of("--progress", "none"));
        all.addAll(List.of(args));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Pot4jCli.execute(all.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
        return new CliRun(code, out.toString(), err.toString());
    }

    /** The lines of stderr starting with {@code pot4j: error:}. */
    List<String> errorLines() {
        return err.lines().filter(l -> l.startsWith("pot4j: error:")).toList();
    }

    /** The repository's examples folder (set by the build; the relative path is for IDE runs). */
    static Path examples() {
        String p = System.getProperty("pot4j.examples");
        return (p != null ? Path.of(p) : Path.of("..", "examples")).toAbsolutePath().normalize();
    }

    /** An example file; the test is skipped (not failed) by the caller when fixtures are not there yet. */
    static Path example(String relative) {
        return examples().resolve(relative);
    }

    static boolean exists(Path p) {
        return Files.exists(p);
    }

    @Override
    public String toString() {
        return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
}
