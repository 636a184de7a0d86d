package org.pot4j.cli.corpus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.pot4j.cli.Pot4jCli;

/**
 * The committed bad-input corpus (issue 12): every folder under {@code src/test/resources/bad-inputs}
 * is one hostile or broken input. Its {@code case.json} says how to set the case up (files to copy,
 * write, truncate; FIFOs, sparse files, symbolic links, plugin jars), the command line, the expected
 * exit code, message fragments, and whether a model file may be left. Cases run in-process through
 * {@link Pot4jCli#execute}; only the process faults ({@code "process": "kill9-resume"} or
 * {@code "sigint"}) start a child JVM.
 *
 * <p>Tokens in case.json and in the case's text files: {@code @CASE@} the case's scratch folder,
 * {@code @FIX@} shared fixture data (16 MNIST samples as idx and npy), {@code @LENET@} the example
 * LeNet ONNX model, {@code @EXAMPLES@} the examples folder.
 */
class BadInputCorpusTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path scratch;
    private static Path fixtures;

    @BeforeAll
    static void fixtures() throws IOException {
        scratch = Files.createTempDirectory("pot4j-corpus");
        fixtures = Files.createDirectories(scratch.resolve("fix"));
        Fixtures.write(examples(), fixtures);
    }

    @AfterAll
    static void cleanUp() throws IOException {
        if (scratch != null) {
            try (Stream<Path> s = Files.walk(scratch)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    static Path examples() {
        String p = System.getProperty("pot4j.examples");
        return (p != null ? Path.of(p) : Path.of("..", "examples")).toAbsolutePath().normalize();
    }

    static Path corpus() {
        try {
            return Path.of(BadInputCorpusTest.class.getResource("/bad-inputs").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @TestFactory
    Stream<DynamicTest> everyCase() throws IOException {
        List<Path> cases;
        try (Stream<Path> s = Files.list(corpus())) {
            cases = s.filter(p -> Files.isRegularFile(p.resolve("case.json"))).sorted().toList();
        }
        assertTrue(cases.size() >= 80, "the corpus holds " + cases.size() + " cases");
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.getFileName().toString(), () -> runCase(c)));
    }

    private void runCase(Path source) throws Exception {
        JsonNode spec = JSON.readTree(source.resolve("case.json").toFile());
        // a case about a missing backend means nothing where that backend is on the class path
        String absent = spec.path("needs_absent_class").asText("");
        if (!absent.isEmpty()) {
            boolean present;
            try {
                Class.forName(absent, false, getClass().getClassLoader());
                present = true;
            } catch (ClassNotFoundException e) {
                present = false;
            }
            assumeTrue(!present, absent + " is on the class path");
        }
        Path dir = Files.createDirectories(scratch.resolve(source.getFileName().toString()));
        copyCase(source, dir);
        for (JsonNode step : spec.path("setup")) {
            if (!Setup.apply(step, dir, this)) {
                assumeTrue(false, "setup step not possible here: " + step);
            }
        }
        String process = spec.path("process").asText("");
        Result r;
        if (process.equals("kill9-resume")) {
            r = ProcessFaults.killThenResume(this, dir, args(spec.path("args"), dir));
        } else if (process.equals("sigint")) {
            r = ProcessFaults.interrupt(this, dir, args(spec.path("args"), dir));
        } else {
            r = cli(args(spec.path("args"), dir));
        }
        String what = source.getFileName() + " (" + spec.path("about").asText() + ")\n" + r;
        if (Boolean.getBoolean("pot4j.corpus.print")) {
            // -Dpot4j.corpus.print=true: one line per case, to review the messages users see
            System.out.println("CASE " + source.getFileName() + " exit " + r.code() + ": "
                    + r.err().lines().filter(l -> l.startsWith("pot4j:")).findFirst().orElse(r.out().lines().reduce("", (a, b) -> b)));
        }
        if (spec.path("exit").isArray()) {
            // the algorithm's outcome is not what the case is about (e.g. AccuracyAware may meet its target or not)
            List<Integer> allowed = new ArrayList<>();
            spec.path("exit").forEach(e -> allowed.add(e.asInt()));
            assertTrue(allowed.contains(r.code()), "exit " + r.code() + " not in " + allowed + ": " + what);
        } else {
            assertEquals(spec.path("exit").asInt(), r.code(), what);
        }
        for (JsonNode m : spec.path("message").isArray() ? spec.path("message") : JSON.createArrayNode().add(spec.path("message"))) {
            if (!m.asText().isEmpty()) {
                assertTrue(r.err().contains(m.asText()) || r.out().contains(m.asText()),
                        "expected '" + m.asText() + "' in the output of " + what);
            }
        }
        for (JsonNode m : spec.path("not_message")) {
            assertTrue(!r.err().contains(m.asText()) && !r.out().contains(m.asText()), "unexpected '" + m.asText() + "' in " + what);
        }
        if (spec.path("error_lines").isInt()) {
            long lines = r.err().lines().filter(l -> l.startsWith("pot4j: error:")).count();
            assertEquals(spec.path("error_lines").asInt(), lines, "error lines of " + what);
        }
        List<Path> models = modelFiles(dir);
        if (spec.path("model_file").asBoolean(false)) {
            assertTrue(!models.isEmpty(), "expected an INT8 model file in " + what);
        } else {
            assertTrue(models.isEmpty(), "no model file may be left, found " + models + " in " + what);
        }
        for (JsonNode f : spec.path("files_exist")) {
            assertTrue(Files.exists(dir.resolve(f.asText())), f.asText() + " should exist after " + what);
        }
        for (JsonNode f : spec.path("files_absent")) {
            assertTrue(!Files.exists(dir.resolve(f.asText())), f.asText() + " should not exist after " + what);
        }
        for (JsonNode check : spec.path("json")) {
            JsonNode doc = JSON.readTree(dir.resolve(check.path("file").asText()).toFile());
            JsonNode at = doc.at(check.path("pointer").asText());
            assertEquals(check.path("equals").asText(), at.asText(), check + " in " + what);
        }
    }

    /** INT8 model files (and staging leftovers) anywhere in the case's folder. */
    static List<Path> modelFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> {
                String n = p.getFileName().toString();
                return (n.contains("-int8") && !n.endsWith(".json")) || n.startsWith(".staged-") || n.startsWith(".saving-");
            }).toList();
        }
    }

    private static void copyCase(Path source, Path dir) throws IOException {
        try (Stream<Path> s = Files.list(source)) {
            for (Path p : s.toList()) {
                if (Files.isRegularFile(p) && !p.getFileName().toString().equals("case.json")) {
                    Path dest = dir.resolve(p.getFileName().toString());
                    String name = p.getFileName().toString();
                    if (name.endsWith(".json") || name.endsWith(".yaml") || name.endsWith(".yml") || name.endsWith(".csv")
                            || name.endsWith(".txt")) {
                        Files.writeString(dest, tokens(Files.readString(p), dir));
                    } else {
                        Files.copy(p, dest);
                    }
                }
            }
        }
    }

    static String tokens(String text, Path dir) {
        return text.replace("@CASE@", dir.toString()).replace("@FIX@", fixtures.toString())
                .replace("@LENET@", examples().resolve("mnist-lenet/lenet.onnx").toString())
                .replace("@EXAMPLES@", examples().toString());
    }

    static String[] args(JsonNode list, Path dir) {
        List<String> out = new ArrayList<>();
        for (JsonNode a : list) {
            out.add(tokens(a.asText(), dir));
        }
        return out.toArray(String[]::new);
    }

    /** The launcher in this JVM, progress off. */
    static Result cli(String... args) {
        List<String> all = new ArrayList<>(List.of("--progress", "none"));
        all.addAll(List.of(args));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Pot4jCli.execute(all.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    /** What a run printed. */
    record Result(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    /** The setup steps of case.json. */
    static final class Setup {
        private Setup() {
        }

        /** Applies one step; false when it cannot be done on this system (the case is skipped). */
        static boolean apply(JsonNode step, Path dir, BadInputCorpusTest test) throws Exception {
            String op = step.path("op").asText();
            Path target = dir.resolve(tokens(step.path("path").asText(), dir));
            if (target.getParent() != null) {
                Files.createDirectories(target.getParent());
            }
            switch (op) {
                case "copy" -> Files.copy(Path.of(tokens(step.path("from").asText(), dir)), target,
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                case "text" -> Files.writeString(target, tokens(step.path("text").asText(), dir));
                case "hex" -> Files.write(target, HexFormat.of().parseHex(step.path("hex").asText()));
                case "truncate" -> {
                    byte[] all = Files.readAllBytes(Path.of(tokens(step.path("from").asText(), dir)));
                    int n = step.path("length").asInt();
                    Files.write(target, java.util.Arrays.copyOf(all, Math.min(n, all.length)));
                }
                case "append" -> Files.write(target, HexFormat.of().parseHex(step.path("hex").asText()),
                        java.nio.file.StandardOpenOption.APPEND);
                case "mkdir" -> Files.createDirectories(target);
                case "fifo" -> {
                    Process p;
                    try {
                        p = new ProcessBuilder("mkfifo", target.toString()).start();
                    } catch (IOException e) {
                        return false;
                    }
                    return p.waitFor() == 0;
                }
                case "symlink" -> Files.createSymbolicLink(target, Path.of(tokens(step.path("target").asText(), dir)));
                case "sparse" -> {
                    try (RandomAccessFile f = new RandomAccessFile(target.toFile(), "rw")) {
                        f.setLength(Runtime.getRuntime().maxMemory());
                    }
                }
                case "jar" -> {
                    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(target))) {
                        for (Map.Entry<String, JsonNode> e : properties(step.path("services"))) {
                            out.putNextEntry(new JarEntry("META-INF/services/" + e.getKey()));
                            out.write((e.getValue().asText() + "\n").getBytes(StandardCharsets.UTF_8));
                            out.closeEntry();
                        }
                    }
                }
                case "idx_labels" -> {
                    JsonNode v = step.path("values");
                    ByteBuffer b = ByteBuffer.allocate(8 + v.size()).order(ByteOrder.BIG_ENDIAN);
                    b.putInt(0x00000801).putInt(v.size());
                    v.forEach(x -> b.put((byte) x.asInt()));
                    Files.write(target, b.array());
                }
                case "npy" -> Fixtures.npy(target, step.path("descr").asText("<f4"), ints(step.path("shape")),
                        step.path("fill").asText("0.5"));
                case "run" -> {
                    Result r = cli(args(step.path("args"), dir));
                    assertEquals(step.path("exit").asInt(0), r.code(), "setup run " + step + "\n" + r);
                }
                case "replace" -> Files.writeString(target, Files.readString(target)
                        .replace(tokens(step.path("from").asText(), dir), tokens(step.path("to").asText(), dir)));
                default -> throw new IllegalArgumentException("unknown setup op " + op);
            }
            return true;
        }

        private static Iterable<Map.Entry<String, JsonNode>> properties(JsonNode n) {
            Map<String, JsonNode> m = new LinkedHashMap<>();
            n.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue()));
            return m.entrySet();
        }

        private static int[] ints(JsonNode n) {
            int[] out = new int[n.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = n.get(i).asInt();
            }
            return out;
        }
    }

    /** The two faults that need a process of their own: kill -9, and Ctrl+C. */
    static final class ProcessFaults {
        private ProcessFaults() {
        }

        /**
         * Runs the command in a child JVM, kills it with SIGKILL once its work folder holds a
         * checkpoint (or it ends), then runs the same command with --resume in-process; the
         * resumed INT8 model must equal the one of an uninterrupted run byte for byte.
         */
        static Result killThenResume(BadInputCorpusTest test, Path dir, String[] args) throws Exception {
            List<String> reference = new ArrayList<>(List.of(args));
            int out = reference.indexOf("--output");
            Path killedOut = Path.of(reference.get(out + 1));
            reference.set(out + 1, dir.resolve("reference-out").toString());
            Result whole = cli(reference.toArray(String[]::new));
            Process p = child(dir, args);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (p.isAlive() && System.nanoTime() < deadline && !hasCheckpoint(killedOut)) {
                Thread.sleep(20);
            }
            p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            List<String> resume = new ArrayList<>(List.of(args));
            resume.add("--resume");
            Result resumed = cli(resume.toArray(String[]::new));
            byte[] a = int8(dir.resolve("reference-out"));
            byte[] b = int8(killedOut);
            String same = a != null && java.util.Arrays.equals(a, b) ? "resumed INT8 model identical to the uninterrupted run"
                    : "resumed INT8 model DIFFERS from the uninterrupted run";
            // clean up the model files so the case's no-model check is about leftovers only
            for (Path m : modelFiles(dir)) {
                if (!m.getFileName().toString().startsWith(".")) {
                    Files.delete(m);
                }
            }
            return new Result(resumed.code(), whole.out() + resumed.out() + "\n" + same, resumed.err());
        }

        private static boolean hasCheckpoint(Path out) throws IOException {
            if (!Files.isDirectory(out)) {
                return false;
            }
            try (Stream<Path> s = Files.walk(out)) {
                return s.anyMatch(p -> p.getFileName().toString().equals("aa-checkpoint.json"));
            }
        }

        private static byte[] int8(Path out) throws IOException {
            if (!Files.isDirectory(out)) {
                return null;
            }
            try (Stream<Path> s = Files.walk(out)) {
                Path m = s.filter(p -> p.getFileName().toString().endsWith("-int8.onnx")).findFirst().orElse(null);
                return m == null ? null : Files.readAllBytes(m);
            }
        }

        /** Runs the command in a child JVM, sends SIGINT once it started working, and reports its exit. */
        static Result interrupt(BadInputCorpusTest test, Path dir, String[] args) throws Exception {
            Process p = child(dir, args);
            Path marker = dir.resolve("out");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (p.isAlive() && System.nanoTime() < deadline && !Files.isDirectory(marker)) {
                Thread.sleep(10);
            }
            Process kill = new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start();
            kill.waitFor(10, TimeUnit.SECONDS);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            return new Result(p.exitValue(), Files.readString(dir.resolve("child.out")), Files.readString(dir.resolve("child.err")));
        }

        private static Process child(Path dir, String[] args) throws IOException {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx1g", "-cp", System.getProperty("java.class.path"), Pot4jCli.class.getName(), "--progress", "none"));
            cmd.addAll(List.of(args));
            return new ProcessBuilder(cmd).directory(dir.toFile()).redirectOutput(dir.resolve("child.out").toFile())
                    .redirectError(dir.resolve("child.err").toFile()).start();
        }
    }

    static String classPath() {
        return String.join(File.pathSeparator, System.getProperty("java.class.path").split(File.pathSeparator));
    }
}
