package org.pot4j.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.model.Model;
import org.pot4j.engine.Pot4j;
import org.pot4j.engine.benchmark.Benchmark;
import org.pot4j.engine.benchmark.BenchmarkOptions;
import org.pot4j.engine.benchmark.BenchmarkResult;
import org.pot4j.engine.benchmark.BenchmarkTable;
import org.pot4j.engine.config.ModelJob;
import org.pot4j.engine.config.Pot4jConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code pot4j benchmark FP32 INT8}: latency and throughput of a model and its quantized version,
 * measured side by side in one run, at each batch size, with the INT8/FP32 speed ratio. Works for
 * any installed backend; the inputs are random (seeded) unless the models need more care.
 */
@Command(name = "benchmark", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measure latency and throughput of an FP32 model and its INT8 version side by side.",
            "Both run on the same inputs (random, with token ids, masks and segment ids for integer inputs, "
                + "or real samples with --config), interleaved (FP32, INT8, INT8, FP32, ...) so they see the same machine state."})
final class BenchmarkCommand implements Callable<Integer> {
    @ParentCommand
    Pot4jCli root;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FP32_MODEL", description = "The original model (file or SavedModel folder).")
    Path fp32;

    @Parameters(index = "1", paramLabel = "INT8_MODEL", description = "Its quantized version.")
    Path int8;

    @Option(names = "--batch", split = ",", paramLabel = "N", defaultValue = "1,32",
            description = "Batch sizes, comma-separated (default: ${DEFAULT-VALUE}).")
    List<Integer> batches;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "10",
            description = "Untimed rounds per batch size (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--repeats", paramLabel = "N", defaultValue = "50",
            description = "Timed rounds per batch size (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
            description = "Intra-op threads of the runtime (default: the backend's choice, usually all cores).")
    int threads;

    @Option(names = "--seq-len", paramLabel = "N", defaultValue = "128",
            description = "Size of dynamic non-batch dimensions such as the sequence length (default: ${DEFAULT-VALUE}).")
    int seqLen;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "42", description = "Seed of the random inputs.")
    long seed;

    @Option(names = "--backend", paramLabel = "NAME",
            description = "Backend to load both models with (default: the one that accepts the file).")
    String backend;

    @Option(names = "--config", paramLabel = "CONFIG",
            description = "Feed real samples from this config's validation (else calibration) dataset instead of random inputs.")
    Path dataConfig;

    @Option(names = "--model", paramLabel = "NAME",
            description = "With --config: the model_name whose dataset to use (default: the first model).")
    String modelName;

    @Option(names = {"-o", "--option"}, paramLabel = "KEY=VALUE",
            description = "Backend option for loading both models, e.g. -o optimization_level=basic (repeatable).")
    Map<String, String> backendOptions = new LinkedHashMap<>();

    @Option(names = "--also", paramLabel = "LABEL=MODEL",
            description = "Another model to time in the same interleaved rounds, e.g. --also ort=resnet-ort.onnx (repeatable):"
                    + " INT8 files of other quantizers, compared under identical load.")
    Map<String, Path> also = new LinkedHashMap<>();

    @Override
    public Integer call() {
        BenchmarkOptions options = options();
        Map<String, Object> load = loadOptions();
        requireFile(fp32);
        requireFile(int8);
        also.values().forEach(BenchmarkCommand::requireFile);
        PrintWriter out = spec.commandLine().getOut();
        ProgressBar bar = root.progressBar(spec.commandLine().getErr());
        List<BenchmarkResult> results;
        List<Model> models = new ArrayList<>();
        try (Pot4j pot4j = root.engine(bar)) {
            try {
                List<Benchmark.Subject> subjects = new ArrayList<>();
                subjects.add(subject(pot4j, "FP32", fp32, load, models));
                subjects.add(subject(pot4j, "INT8", int8, load, models));
                for (Map.Entry<String, Path> e : also.entrySet()) {
                    subjects.add(subject(pot4j, e.getKey(), e.getValue(), load, models));
                }
                if (dataConfig != null) {
                    options = options.withDataset(samples(pot4j));
                }
                results = new Benchmark(options, bar).run(subjects);
            } finally {
                for (Model m : models) {
                    m.close();
                }
            }
        } finally {
            bar.clear();
        }
        out.println(org.pot4j.engine.benchmark.CpuInfo.detect().describe());
        out.println("FP32: " + fp32);
        out.println("INT8: " + int8);
        also.forEach((label, path) -> out.println(label + ": " + path));
        out.println(describe(options) + (dataConfig == null ? ", random inputs" : ", samples from " + dataConfig));
        out.println();
        out.print(BenchmarkTable.format(results));
        out.print(summary(results));
        out.flush();
        return ExitCode.OK;
    }

    private Benchmark.Subject subject(Pot4j pot4j, String label, Path file, Map<String, Object> load, List<Model> opened) {
        Model m = pot4j.loadModel(file, backend, load);
        opened.add(m);
        return new Benchmark.Subject(label, m);
    }

    private BenchmarkOptions options() {
        try {
            return BenchmarkOptions.defaults().withBatchSizes(batches).withRounds(warmup, repeats).withThreads(threads)
                    .withDynamicDimSize(seqLen).withSeed(seed);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /** The inputs of the chosen model's dataset in {@code --config}; annotations are not needed to time a model. */
    private Dataset samples(Pot4j pot4j) {
        ConfigPath.check(dataConfig);
        Pot4jConfig parsed = pot4j.loadConfig(dataConfig);
        ModelJob job = parsed.models().get(0);
        if (modelName != null) {
            job = parsed.models().stream().filter(j -> j.model().modelName().equals(modelName)).findFirst()
                    .orElseThrow(() -> new Pot4jException(ErrorCode.CONFIG_INVALID, "config " + dataConfig
                            + " has no model named '" + modelName + "'; its models are "
                            + parsed.models().stream().map(j -> j.model().modelName()).toList()));
        }
        Map<String, Object> spec = new LinkedHashMap<>(job.engine().validationOrCalibration().toSpec());
        spec.remove("annotation");
        return pot4j.openDataset(spec, parsed.baseDir());
    }

    /** What the backends get at load time: the -o options plus the thread count. */
    private Map<String, Object> loadOptions() {
        Map<String, Object> load = new LinkedHashMap<>(backendOptions);
        if (threads > 0) {
            load.put("intra_op_threads", threads);
        }
        return load;
    }

    private static void requireFile(Path p) {
        if (!Files.exists(p)) {
            throw new Pot4jException(ErrorCode.FILE_NOT_FOUND, "model " + p + " does not exist; check the path");
        }
    }

    static String describe(BenchmarkOptions o) {
        return "batch sizes " + o.batchSizes() + ", " + o.warmup() + " warm-up and " + o.repeats()
                + " timed rounds, threads " + (o.threads() == 0 ? "backend default" : Integer.toString(o.threads()));
    }

    /** One line with the speed ratios, e.g. {@code INT8/FP32 speed: 2.51x at batch 1, 2.10x at batch 32}. */
    static String summary(List<BenchmarkResult> results) {
        Map<String, List<String>> parts = new LinkedHashMap<>();
        String base = null;
        for (BenchmarkResult r : results) {
            if (r.isBaseline()) {
                base = r.label();
            } else {
                parts.computeIfAbsent(r.label(), k -> new ArrayList<>())
                        .add(BenchmarkTable.ratio(r.speedRatio()) + " at batch " + r.batchSize());
            }
        }
        StringBuilder sb = new StringBuilder(parts.isEmpty() ? "" : "\n");
        for (Map.Entry<String, List<String>> e : parts.entrySet()) {
            sb.append(e.getKey()).append('/').append(base).append(" speed: ").append(String.join(", ", e.getValue())).append('\n');
        }
        return sb.toString();
    }
}
