package org.pot4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pot4j.api.metric.Metric;
import org.pot4j.engine.config.JsonFiles;

/**
 * AccuracyAwareQuantization through the launcher on the real ResNet ONNX example, validated on the
 * first {@value #SAMPLES} test images (a subset the test writes as IDX files, to keep each run to a
 * few seconds). On them DefaultQuantization loses a few samples' worth of accuracy; the test
 * asserts that it does, so a target of one sample's worth ({@value #MAXIMAL_DROP}) is a target
 * DefaultQuantization misses and AccuracyAware has to revert nodes to meet.
 */
class AccuracyAwareResnetEndToEndTest {
    static final int SAMPLES = 500;
    /** One sample of {@value #SAMPLES}: Default loses more, so reverting is needed. */
    static final double MAXIMAL_DROP = 1.0 / SAMPLES;

    @TempDir
    static Path data;

    @TempDir
    Path tmp;

    static Path model;
    static Path calibrationImages;
    static Path calibrationLabels;
    static Path images;
    static Path labels;

    @BeforeAll
    static void validationSubset() throws IOException {
        model = CliRun.example("mnist-resnet/resnet.onnx");
        Path mnist = CliRun.example("data/mnist");
        calibrationImages = mnist.resolve("calibration-images.idx3-ubyte");
        calibrationLabels = mnist.resolve("calibration-labels.idx1-ubyte");
        assumeTrue(Files.exists(model) && Files.exists(calibrationImages), "ResNet example not there yet");
        images = firstRecords(mnist.resolve("test-images.idx3-ubyte"), data.resolve("test-images.idx3-ubyte"), SAMPLES);
        labels = firstRecords(mnist.resolve("test-labels.idx1-ubyte"), data.resolve("test-labels.idx1-ubyte"), SAMPLES);
    }

    @Test
    void meetsATargetDefaultQuantizationMissesByRevertingFewNodes() throws IOException {
        Path config = writeConfig(labelled(), List.of(Map.of("name", "accuracy")),
                aaParams(MAXIMAL_DROP, 10));
        Path out = tmp.resolve("out");

        CliRun r = CliRun.of("quantize", config.toString(), "--output", out.toString());

        assertEquals(ExitCode.OK, r.code(), r.toString());
        assertTrue(Pattern.compile("(?m)^resnet\\s+onnx\\s+AccuracyAwareQuantization\\s+accuracy\\S*\\s+.*TARGET MET$")
                .matcher(r.out()).find(), r.toString());
        JsonNode aa = aaReport(out);
        assertEquals("TARGET_MET", aa.get("status").asText(), aa.toPrettyString());
        assertTrue(aa.get("initial_drop").asDouble() > MAXIMAL_DROP + 1e-9,
                "fixture: DefaultQuantization should miss maximal_drop on this subset: " + aa.toPrettyString());
        assertTrue(aa.get("final_drop").asDouble() <= MAXIMAL_DROP + 1e-9, aa.toPrettyString());
        int reverted = aa.get("reverted_count").asInt();
        int quantized = aa.get("quantized_node_count").asInt();
        assertTrue(reverted >= 1 && reverted <= quantized / 2, "few of the " + quantized + " nodes reverted: " + aa.toPrettyString());
        assertEquals(reverted, aa.get("reverted_nodes").size());
        assertEquals("higher-better", aa.get("metrics").get(0).get("direction").asText());
        assertOutputsWritten(out);

        // the saved INT8 model scores what AccuracyAware measured
        Path int8 = out.resolve("resnet").resolve("resnet-int8.onnx");
        CliRun e = CliRun.of("evaluate", config.toString(), "--quantized", int8.toString());
        assertEquals(ExitCode.OK, e.code(), e.toString());
        double measured = aa.get("metrics").get(0).get("final").asDouble();
        assertTrue(e.out().contains(String.format(java.util.Locale.ROOT, " %.4f ", measured)), measured + " in\n" + e);
    }

    /**
     * {@code ranking: fast} (the default) and {@code ranking: exact} (POT's procedure) on the same
     * target: both meet it, fast with no more reverted nodes, and both report where the passes went.
     */
    @Test
    void fastRankingMeetsTheSameTargetAsExactWithNoMoreNodes() throws IOException {
        Map<String, JsonNode> reports = new LinkedHashMap<>();
        for (String mode : List.of("exact", "fast")) {
            Map<String, Object> params = aaParams(MAXIMAL_DROP, 10);
            params.put("ranking", mode);
            Path config = writeConfig(labelled(), List.of(Map.of("name", "accuracy")), params);
            Path out = tmp.resolve("out-" + mode);
            CliRun r = CliRun.of("quantize", config.toString(), "--output", out.toString());
            assertEquals(ExitCode.OK, r.code(), r.toString());
            JsonNode aa = aaReport(out);
            assertEquals("TARGET_MET", aa.get("status").asText(), aa.toPrettyString());
            assertEquals(mode, aa.get("ranking").asText());
            JsonNode cost = aa.get("cost");
            assertEquals(aa.get("iterations").size(), cost.get("validation_passes").asInt(), aa.toPrettyString());
            assertTrue(cost.get("ranking_passes").asDouble() > 0, aa.toPrettyString());
            reports.put(mode, aa);
        }
        int exact = reports.get("exact").get("reverted_count").asInt();
        int fast = reports.get("fast").get("reverted_count").asInt();
        assertTrue(fast <= exact, "fast reverted " + reports.get("fast").get("reverted_nodes") + ", exact "
                + reports.get("exact").get("reverted_nodes"));
    }

    /**
     * Cosine similarity to the FP32 logits is 1 only for the FP32 model itself, so maximal_drop 0 is
     * out of reach with one revert: the run ends BEST_EFFORT, exit code 3, and the best model is saved.
     */
    @Test
    void anUnreachableTargetEndsBestEffortWithExitCodeThreeAndAModel() throws IOException {
        Map<String, Object> toFp32 = new LinkedHashMap<>(unlabelled());
        toFp32.put("annotation", "fp32_output");
        Path config = writeConfig(toFp32, List.of(Map.of("name", "cosine_similarity")), aaParams(0.0, 1));
        Path out = tmp.resolve("out");

        CliRun r = CliRun.of("quantize", config.toString(), "--output", out.toString());

        assertEquals(ExitCode.TARGET_NOT_MET, r.code(), r.toString());
        assertEquals(3, r.code());
        assertTrue(Pattern.compile("(?m)^resnet\\s+onnx\\s+AccuracyAwareQuantization\\s+cosine\\S*\\s+.*BEST EFFORT$")
                .matcher(r.out()).find(), r.toString());
        JsonNode aa = aaReport(out);
        assertEquals("BEST_EFFORT", aa.get("status").asText(), aa.toPrettyString());
        assertEquals(1, aa.get("iterations_run").asInt(), aa.toPrettyString());
        assertTrue(aa.get("final_drop").asDouble() > 0, aa.toPrettyString());
        assertTrue(aa.get("final_drop").asDouble() <= aa.get("initial_drop").asDouble(), "never worse than the base plan: "
                + aa.toPrettyString());
        assertOutputsWritten(out);
    }

    /**
     * The {@code error_rate} metric of examples/metric-plugin, compiled from its sources into a plugin
     * jar, is higher-worse: its rise is the drop. Controlled together with accuracy (two metrics).
     */
    @Test
    void aHigherWorsePluginMetricIsControlledTogetherWithAccuracy() throws Exception {
        Path plugins = errorRatePlugin();
        Path config = writeConfig(labelled(), List.of(Map.of("name", "accuracy"), Map.of("name", "error_rate")),
                aaParams(MAXIMAL_DROP, 10));
        Path out = tmp.resolve("out");

        CliRun r = CliRun.of("--plugins", plugins.toString(), "quantize", config.toString(), "--output", out.toString());

        assertEquals(ExitCode.OK, r.code(), r.toString());
        JsonNode aa = aaReport(out);
        assertEquals("TARGET_MET", aa.get("status").asText(), aa.toPrettyString());
        Map<String, JsonNode> metrics = new LinkedHashMap<>();
        aa.get("metrics").forEach(m -> metrics.put(m.get("name").asText(), m));
        assertEquals(2, metrics.size(), aa.toPrettyString());
        JsonNode errorRate = metrics.get("error_rate");
        JsonNode accuracy = metrics.entrySet().stream().filter(m -> m.getKey().startsWith("accuracy")).findFirst().orElseThrow().getValue();
        assertEquals("higher-worse", errorRate.get("direction").asText());
        // higher-worse: the drop is INT8 - FP32, so Default's extra errors count as a positive drop
        double initialDrop = errorRate.get("int8").asDouble() - errorRate.get("baseline").asDouble();
        assertTrue(initialDrop > MAXIMAL_DROP + 1e-9, "fixture: Default misses the target: " + aa.toPrettyString());
        assertEquals(initialDrop, aa.get("initial_drops").get("error_rate").asDouble(), 1e-12);
        assertEquals(errorRate.get("final").asDouble() - errorRate.get("baseline").asDouble(),
                errorRate.get("final_drop").asDouble(), 1e-12);
        assertTrue(errorRate.get("final_drop").asDouble() <= MAXIMAL_DROP + 1e-9, aa.toPrettyString());
        assertTrue(accuracy.get("final_drop").asDouble() <= MAXIMAL_DROP + 1e-9, aa.toPrettyString());
        // the two metrics are complementary on the same samples
        assertEquals(1.0, errorRate.get("final").asDouble() + accuracy.get("final").asDouble(), 1e-9);
        assertTrue(aa.get("reverted_count").asInt() >= 1, aa.toPrettyString());
        assertOutputsWritten(out);
    }

    private static void assertOutputsWritten(Path out) throws IOException {
        Path dir = out.resolve("resnet");
        assertTrue(Files.size(dir.resolve("resnet-int8.onnx")) > 0);
        assertTrue(Files.isRegularFile(dir.resolve("report.json")));
        assertTrue(Files.isRegularFile(dir.resolve("work/accuracy-aware-report.json")));
        // the HTML report sits next to report.json (issue 12), the JSON one stays in work/
        String html = Files.readString(dir.resolve("accuracy-aware-report.html"));
        assertTrue(!Files.exists(dir.resolve("work/accuracy-aware-report.html")));
        assertTrue(html.contains("<svg") && html.contains("<polyline") && html.contains("</html>"), html);
        assertTrue(Files.isRegularFile(dir.resolve("work/aa-checkpoint.json")));
    }

    /** The AccuracyAware section of the model's report.json (the same content as work/accuracy-aware-report.json). */
    private static JsonNode aaReport(Path out) throws IOException {
        JsonNode report = JsonFiles.mapper().readTree(out.resolve("resnet").resolve("report.json").toFile());
        JsonNode algorithm = report.get("algorithms").get(0);
        assertEquals("AccuracyAwareQuantization", algorithm.get("name").asText());
        JsonNode aa = algorithm.get("report");
        assertEquals(aa, JsonFiles.mapper().readTree(out.resolve("resnet").resolve("work/accuracy-aware-report.json").toFile()));
        return aa;
    }

    private static Map<String, Object> unlabelled() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("type", "idx");
        d.put("images", images.toString());
        return d;
    }

    private static Map<String, Object> labelled() {
        Map<String, Object> d = unlabelled();
        d.put("labels", labels.toString());
        return d;
    }

    private static Map<String, Object> aaParams(double maximalDrop, int maxIterNum) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("preset", "performance");
        p.put("stat_subset_size", 300);
        // 4-bit activations make DefaultQuantization miss the target on every CPU; at 8 bits the CNNs lose
        // nothing since 7-bit convolution weights avoid the AVX2 saturation, so AA would have nothing to do
        p.put("activations", Map.of("bits", 3));
        p.put("maximal_drop", maximalDrop);
        p.put("max_iter_num", maxIterNum);
        p.put("ranking_subset_size", 100);
        return p;
    }

    private Path writeConfig(Map<String, Object> validation, List<Map<String, Object>> metrics, Map<String, Object> params)
            throws IOException {
        Map<String, Object> calibration = Map.of("type", "idx", "images", calibrationImages.toString(),
                "labels", calibrationLabels.toString());
        Map<String, Object> config = Map.of(
                "model", Map.of("model_name", "resnet", "model", model.toString()),
                "engine", Map.of("calibration_dataset", calibration, "validation_dataset", validation, "metrics", metrics),
                "compression", Map.of("target_device", "CPU",
                        "algorithms", List.of(Map.of("name", "AccuracyAwareQuantization", "params", params))));
        Path file = tmp.resolve("config-aa.json");
        Files.writeString(file, JsonFiles.mapper().writeValueAsString(config));
        return file;
    }

    /** Copies an IDX file's header (with the first dimension set to {@code n}) and its first n records. */
    private static Path firstRecords(Path from, Path to, int n) throws IOException {
        byte[] all = Files.readAllBytes(from);
        int dims = all[3];
        ByteBuffer header = ByteBuffer.wrap(all, 0, 4 + 4 * dims);
        long record = 1;
        for (int d = 1; d < dims; d++) {
            record *= header.getInt(4 + 4 * d);
        }
        assertTrue(header.getInt(4) >= n, from + " has fewer than " + n + " records");
        int length = Math.toIntExact(4 + 4L * dims + record * n);
        byte[] out = java.util.Arrays.copyOf(all, length);
        ByteBuffer.wrap(out).putInt(4, n);
        Files.write(to, out);
        return to;
    }

    /** Compiles examples/metric-plugin's main sources against pot4j-api into plugins/error-rate.jar. */
    private Path errorRatePlugin() throws IOException, URISyntaxException {
        Path project = CliRun.example("metric-plugin/src/main");
        assumeTrue(Files.isDirectory(project), "examples/metric-plugin not there");
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assumeTrue(javac != null, "tests run on a JRE without a compiler");
        List<String> sources;
        try (Stream<Path> files = Files.walk(project.resolve("java"))) {
            sources = files.filter(p -> p.toString().endsWith(".java")).map(Path::toString).sorted().toList();
        }
        Path classes = Files.createDirectories(tmp.resolve("plugin-classes"));
        String api = Path.of(Metric.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        List<String> args = new ArrayList<>(List.of("--release", "17", "-classpath", api, "-d", classes.toString()));
        args.addAll(sources);
        assertEquals(0, javac.run(null, null, null, args.toArray(String[]::new)), "compiling the example metric plugin");

        Path plugins = Files.createDirectories(tmp.resolve("plugins"));
        Path jar = plugins.resolve("error-rate-metric.jar");
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file)) {
            for (Path root : List.of(classes, project.resolve("resources"))) {
                List<Path> entries;
                try (Stream<Path> files = Files.walk(root)) {
                    entries = files.filter(Files::isRegularFile).sorted().toList();
                }
                for (Path p : entries) {
                    out.putNextEntry(new JarEntry(root.relativize(p).toString().replace('\\', '/')));
                    out.write(Files.readAllBytes(p));
                    out.closeEntry();
                }
            }
        }
        return plugins;
    }
}
