package org.pot4j.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pot4j.engine.Pot4j;
import org.pot4j.engine.run.JobOptions;
import org.pot4j.engine.run.JobRunner;

/**
 * Benchmark (not a test): AccuracyAware on the MNIST ResNet example with the validation set
 * replicated to N samples (default 20,000), wall time with the local executor and with Spark
 * ({@code local-cluster[E,1,2048]}: E executor JVMs of one core each). Usage, from {@code spark/}
 * after {@code mvn -pl spark -am verify -DskipTests} (see README.md "Benchmark"):
 * {@code java @target/bench.args org.pot4j.spark.SparkAaBenchmark [samples] [runs...]}, runs being
 * {@code local}, {@code spark1}, {@code spark2}. Needs SPARK_HOME (an empty {@code jars/} will do)
 * and SPARK_SCALA_VERSION=2.13 for local-cluster.
 */
public final class SparkAaBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SparkAaBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int samples = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        List<String> runs = args.length > 1 ? List.of(args).subList(1, args.length) : List.of("local", "spark2", "spark1");
        Path examples = Examples.dir();
        Path work = Files.createDirectories(Path.of("target", "bench").toAbsolutePath());
        Path images = replicate(examples.resolve("data/mnist/test-images.idx3-ubyte"), work.resolve("images-" + samples + ".idx3-ubyte"),
                samples);
        Map<String, Object> results = new LinkedHashMap<>();
        for (String run : runs) {
            Map<String, Object> executor = new LinkedHashMap<>();
            if (run.startsWith("spark")) {
                int n = Integer.parseInt(run.substring(5));
                executor.put("type", "spark");
                executor.put("master", "local-cluster[" + n + ",1,2048]");
                executor.put("conf", LocalCluster.conf());
            }
            Path config = SparkConfigs.copy(examples.resolve("mnist-resnet/config-aa.json"), work.resolve(run + ".json"), executor);
            ObjectMapper m = new ObjectMapper();
            var tree = (com.fasterxml.jackson.databind.node.ObjectNode) m.readTree(config.toFile());
            ((com.fasterxml.jackson.databind.node.ObjectNode) tree.path("engine").path("validation_dataset")).put("images", images.toString());
            m.writeValue(config.toFile(), tree);
            long samples0 = SparkEvaluationExecutor.samplesInferredByClosedExecutors();
            long bytes0 = SparkEvaluationExecutor.bytesCollectedByClosedExecutors();
            long jobs0 = SparkEvaluationExecutor.jobsOfClosedExecutors();
            long t0 = System.nanoTime();
            try (Pot4j pot4j = Pot4j.create()) {
                new JobRunner(pot4j).run(pot4j.loadConfig(config), config, JobOptions.defaults().withOutputDir(work.resolve("out-" + run)));
            }
            double wall = (System.nanoTime() - t0) / 1e9;
            JsonNode report = JSON.readTree(work.resolve("out-" + run + "/resnet/report.json").toFile());
            JsonNode aa = report.path("algorithms").path(0).path("report");
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("wall_seconds", wall);
            r.put("status", report.path("status").asText());
            r.put("reverted", aa.path("reverted_nodes").toString());
            r.put("final_drop", aa.path("final_drop").asDouble());
            r.put("cost", aa.path("cost").toString());
            r.put("int8_sha256", org.pot4j.engine.Sha256.of(Files.readAllBytes(work.resolve("out-" + run + "/resnet/resnet-int8.onnx"))));
            r.put("spark_jobs", SparkEvaluationExecutor.jobsOfClosedExecutors() - jobs0);
            r.put("samples_inferred_on_executors", SparkEvaluationExecutor.samplesInferredByClosedExecutors() - samples0);
            r.put("output_bytes_to_driver", SparkEvaluationExecutor.bytesCollectedByClosedExecutors() - bytes0);
            results.put(run, r);
            System.out.println("BENCH " + run + " " + JSON.writeValueAsString(r));
        }
        System.out.println("BENCH-ALL " + JSON.writerWithDefaultPrettyPrinter().writeValueAsString(results));
    }

    /** An IDX image file with the first file's images repeated up to {@code n}. */
    private static Path replicate(Path source, Path target, int n) throws IOException {
        byte[] src = Files.readAllBytes(source);
        ByteBuffer h = ByteBuffer.wrap(src);
        int magic = h.getInt();
        int count = h.getInt();
        int rows = h.getInt();
        int cols = h.getInt();
        int size = rows * cols;
        try (OutputStream out = Files.newOutputStream(target)) {
            ByteBuffer header = ByteBuffer.allocate(16).putInt(magic).putInt(n).putInt(rows).putInt(cols);
            out.write(header.array());
            for (int i = 0; i < n; i++) {
                out.write(src, 16 + (i % count) * size, size);
            }
        }
        return target;
    }
}
