package org.pot4j.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.metric.Metric;
import org.pot4j.api.model.Model;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.engine.Pot4j;
import org.pot4j.engine.config.MetricSpec;
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
 * {@code pot4j evaluate CONFIG}: runs the config's FP32 model(s) over the validation dataset with
 * its metrics; with {@code --quantized} also an already quantized model, with the drop. Useful to
 * check a config (data, preprocessing, metric) before a long quantization run.
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Evaluate the model(s) of a config with its metrics on its validation dataset.")
final class EvaluateCommand implements Callable<Integer> {
    @ParentCommand
    Pot4jCli root;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "CONFIG", description = "The config file (.json, .yaml or .yml).")
    Path config;

    @Option(names = "--quantized", paramLabel = "PATH",
            description = "Also evaluate this quantized model (of the selected model) and show the drop.")
    Path quantized;

    @Option(names = "--model", paramLabel = "NAME",
            description = "Evaluate only the model with this model_name (needed with --quantized when the config has several).")
    String modelName;

    @Option(names = "--batch-size", paramLabel = "N", description = "Evaluation batch size (default: the config's, else the engine's).")
    Integer batchSize;

    @Override
    public Integer call() {
        ConfigPath.check(config);
        if (batchSize != null && batchSize < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--batch-size must be >= 1, got " + batchSize);
        }
        if (quantized != null && !Files.exists(quantized)) {
            throw new Pot4jException(ErrorCode.FILE_NOT_FOUND, "quantized model " + quantized + " does not exist; check the path");
        }
        PrintWriter out = spec.commandLine().getOut();
        ProgressBar bar = root.progressBar(spec.commandLine().getErr());
        TextTable table = new TextTable("model", "backend", "metric", "FP32", "INT8", "drop").alignRight(3, 4, 5);
        try (Pot4j pot4j = root.engine(bar)) {
            Pot4jConfig parsed = pot4j.loadConfig(config);
            List<ModelJob> jobs = select(parsed.models());
            for (ModelJob job : jobs) {
                evaluate(pot4j, parsed, job, table);
            }
        } finally {
            bar.clear();
        }
        out.println();
        out.print(table.render());
        out.flush();
        return ExitCode.OK;
    }

    private List<ModelJob> select(List<ModelJob> all) {
        List<ModelJob> jobs = all;
        if (modelName != null) {
            jobs = all.stream().filter(j -> j.model().modelName().equals(modelName)).toList();
            if (jobs.isEmpty()) {
                throw new Pot4jException(ErrorCode.CONFIG_INVALID, "config " + config + " has no model named '" + modelName
                        + "'; its models are " + all.stream().map(j -> j.model().modelName()).toList());
            }
        }
        if (quantized != null && jobs.size() > 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--quantized needs one model but the config has "
                    + jobs.size() + " " + jobs.stream().map(j -> j.model().modelName()).toList() + "; choose one with --model NAME");
        }
        return jobs;
    }

    private void evaluate(Pot4j pot4j, Pot4jConfig parsed, ModelJob job, TextTable table) {
        if (job.engine().metrics().isEmpty()) {
            throw new Pot4jException(ErrorCode.CONFIG_INVALID, "model '" + job.model().modelName()
                    + "' has no engine.metrics to evaluate with; add one, e.g. {\"name\": \"accuracy\"}");
        }
        List<Supplier<Metric>> metrics = new ArrayList<>();
        for (MetricSpec m : job.engine().metrics()) {
            metrics.add(pot4j.metric(m.name(), m.params()));
        }
        int batch = batchSize != null ? batchSize : job.engine().batchSize() != null ? job.engine().batchSize() : 0;
        Map<String, Object> options = new LinkedHashMap<>(job.model().options());
        try (Model fp32 = pot4j.loadModel(job.model().path(), job.model().framework(), options)) {
            Dataset data = pot4j.openDataset(org.pot4j.engine.data.MaskInputs.spec(job.engine().validationOrCalibration().toSpec(),
                    job.engine().metrics()), parsed.baseDir(), fp32);
            Map<String, Double> before = pot4j.evaluate(fp32, QuantizationPlan.EMPTY, data, metrics, batch);
            Map<String, Double> after = null;
            if (quantized != null) {
                try (Model int8 = pot4j.loadModel(quantized, fp32.backendName(), options)) {
                    after = pot4j.evaluate(int8, QuantizationPlan.EMPTY, data, metrics, batch);
                }
            }
            Map<String, Boolean> higherBetter = directions(metrics);
            boolean firstRow = true;
            for (String key : new TreeSet<>(before.keySet())) {
                Double a = after == null ? null : after.get(key);
                Double drop = a == null ? null
                        : higherBetter.getOrDefault(key, true) ? before.get(key) - a : a - before.get(key);
                table.row(firstRow ? job.model().modelName() : "", firstRow ? fp32.backendName() : "", key,
                        QuantizeCommand.number(before.get(key)), QuantizeCommand.number(a), QuantizeCommand.number(drop));
                firstRow = false;
            }
        }
    }

    /**
     * Whether each metric key is higher-better, from the metric's attributes ({@code direction}),
     * else its {@code higherBetter()}; drops are positive when INT8 is worse.
     */
    static Map<String, Boolean> directions(List<Supplier<Metric>> metrics) {
        Map<String, Boolean> out = new LinkedHashMap<>();
        for (Supplier<Metric> s : metrics) {
            Metric m = s.get();
            Map<String, Map<String, String>> attrs = m.attributes();
            if (attrs != null) {
                attrs.forEach((key, a) -> out.put(key, a == null || a.get("direction") == null
                        ? m.higherBetter() : !"higher-worse".equals(a.get("direction"))));
            }
        }
        return out;
    }
}
