package org.pot4j.engine.benchmark;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import org.pot4j.api.ProgressListener;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.model.Model;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.engine.Pot4j;
import org.pot4j.engine.run.SpeedProbe;

/**
 * The {@link SpeedProbe} a job run uses for {@code engine.benchmark: true}: loads the saved INT8
 * model with the FP32 model's backend and runs a short {@link Benchmark} of both on the job's
 * validation samples. The ratio reported is the one at the largest batch size (32 by default),
 * where throughput matters most; every batch size's ratio goes to the progress listener.
 */
public final class BenchmarkSpeedProbe implements SpeedProbe {
    private final Pot4j pot4j;
    private final BenchmarkOptions options;
    private final Map<String, Object> loadOptions;
    private final ProgressListener progress;

    /**
     * @param pot4j       loads the INT8 model
     * @param options     rounds and batch sizes (its dataset is replaced by the job's data)
     * @param loadOptions backend options for loading the INT8 model
     * @param progress    receives the benchmark's stages and ratios
     */
    public BenchmarkSpeedProbe(Pot4j pot4j, BenchmarkOptions options, Map<String, Object> loadOptions,
                               ProgressListener progress) {
        this.pot4j = Objects.requireNonNull(pot4j, "pot4j");
        this.options = Objects.requireNonNull(options, "options");
        this.loadOptions = loadOptions == null ? Map.of() : Map.copyOf(loadOptions);
        this.progress = progress == null ? ProgressListener.NONE : progress;
    }

    /** Rounds short enough to add seconds, not minutes, to a job: 5 warm-up and 20 timed rounds at batch 1 and 32. */
    public static BenchmarkOptions quickOptions() {
        return BenchmarkOptions.defaults().withRounds(5, 20);
    }

    @Override
    public Double speedRatio(Model fp32, QuantizationPlan plan, Path int8Model, Dataset data) {
        BenchmarkOptions run = data == null ? options : options.withDataset(data);
        List<BenchmarkResult> results;
        try (Model int8 = pot4j.loadModel(int8Model, fp32.backendName(), loadOptions)) {
            results = new Benchmark(run, progress).run(fp32, int8);
        }
        List<BenchmarkResult> ratios = results.stream().filter(r -> !r.isBaseline()).toList();
        if (ratios.isEmpty()) {
            return null;
        }
        progress.message("speed INT8/FP32: " + ratios.stream()
                .map(r -> BenchmarkTable.ratio(r.speedRatio()) + " at batch " + r.batchSize())
                .collect(Collectors.joining(", ")));
        return ratios.stream().max(java.util.Comparator.comparingInt(BenchmarkResult::batchSize)).orElseThrow().speedRatio();
    }
}
