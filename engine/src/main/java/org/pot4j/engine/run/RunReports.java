package org.pot4j.engine.run;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.pot4j.api.metric.Metric;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.api.quant.QuantizationResult;
import org.pot4j.engine.Pot4j;
import org.pot4j.engine.config.AlgorithmSpec;
import org.pot4j.engine.config.JsonFiles;
import org.pot4j.engine.config.MetricSpec;
import org.pot4j.engine.config.ModelJob;
import org.pot4j.engine.run.ModelOutcome.Quantized;
import org.pot4j.engine.run.ModelOutcome.Unfinished;

/** The content of {@code report.json} and {@code summary.json}, and reading it back for resume. */
final class RunReports {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RunReports.class);
    private static final Set<String> FINISHED = Set.of("COMPLETED", "TARGET_MET", "BEST_EFFORT");

    private RunReports() {
    }

    /** One model's line of {@code summary.json}. */
    static Map<String, Object> outcome(ModelOutcome o, Path outputDir) {
        Quantized q = o instanceof Quantized x ? x : null;
        ModelOutcome.Accuracy accuracy = q == null ? ModelOutcome.Accuracy.NONE : q.accuracy();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model_name", o.modelName());
        m.put("model", String.valueOf(o.subject().modelPath()));
        m.put("backend", o.subject().backend());
        m.put("algorithm", o.subject().algorithm());
        m.put("status", o.status().name());
        m.put("fp32_metrics", accuracy.fp32());
        m.put("int8_metrics", accuracy.int8());
        m.put("headline_metric", accuracy.headlineMetric());
        m.put("drop", accuracy.drop());
        m.put("drops", accuracy.drops());
        m.put("fp32_bytes", q == null ? null : q.size().fp32Bytes());
        m.put("int8_bytes", q == null ? null : q.size().int8Bytes());
        m.put("size_ratio", q == null ? null : q.size().ratio());
        m.put("speed_ratio", q == null ? null : q.speedRatio());
        m.put("output", q == null ? null : relative(q.output(), outputDir));
        m.put("report", relative(o.reportPath(), outputDir));
        m.put("wall_seconds", o.wallSeconds());
        m.put("reused", o.reused());
        putError(m, o);
        return m;
    }

    /** {@code error: {code, message}} of an unfinished model. */
    private static void putError(Map<String, Object> m, ModelOutcome o) {
        if (o instanceof Unfinished u) {
            Map<String, Object> err = new LinkedHashMap<>();
            err.put("code", u.failure().code().name());
            err.put("message", u.failure().message());
            m.put("error", err);
        }
    }

    /** One algorithm's entry of {@code report.json}. */
    static Map<String, Object> algorithm(AlgorithmSpec spec, QuantizationResult result) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", spec.name());
        m.put("params", spec.params());
        m.put("status", result.status().name());
        m.put("report", result.report());
        return m;
    }

    /**
     * The drop of every metric key, positive when INT8 is worse: FP32 - INT8 for higher-better
     * metrics, INT8 - FP32 for higher-worse ones (direction from the metric's attributes, else
     * its {@code higherBetter()}).
     */
    static Map<String, Double> drops(Map<String, Double> fp32, Map<String, Double> int8, List<Supplier<Metric>> metrics) {
        Map<String, Boolean> higherBetter = new LinkedHashMap<>();
        for (Supplier<Metric> s : metrics) {
            Metric m = s.get();
            Map<String, Map<String, String>> attrs = m.attributes();
            if (attrs != null) {
                attrs.forEach((key, a) -> higherBetter.put(key, a == null || a.get("direction") == null
                        ? m.higherBetter() : !"higher-worse".equals(a.get("direction"))));
            }
            higherBetter.putIfAbsent("\u0000default" + higherBetter.size(), m.higherBetter());
        }
        boolean fallback = metrics.isEmpty() || metrics.get(0).get().higherBetter();
        Map<String, Double> drops = new LinkedHashMap<>();
        fp32.forEach((key, before) -> {
            Double after = int8.get(key);
            if (after != null) {
                boolean hb = higherBetter.getOrDefault(key, fallback);
                drops.put(key, hb ? before - after : after - before);
            }
        });
        return drops;
    }

    /**
     * What {@code --resume} needs from a report: the input key and files, the digests of files the
     * model read besides its own path (external data), and the files saved as the INT8 model.
     */
    record Resume(String key, List<Object> inputs, List<Object> modelFiles, List<String> outputFiles) {
        static Resume of(InputDigest inputs, List<Path> sourceFiles, List<String> outputFiles) {
            java.util.Set<String> known = new java.util.HashSet<>();
            inputs.files().forEach(f -> known.add(f.path()));
            List<Path> extra = new java.util.ArrayList<>();
            for (Path p : sourceFiles == null ? List.<Path>of() : sourceFiles) {
                Path abs = p.toAbsolutePath().normalize();
                if (!known.contains(abs.toString()) && !Files.isDirectory(abs)) {
                    extra.add(abs);
                }
            }
            List<Object> modelFiles = new java.util.ArrayList<>();
            InputDigest.digest(extra).forEach(f -> modelFiles.add(f.toJson()));
            return new Resume(inputs.key(), inputs.toJson(), modelFiles, outputFiles);
        }
    }

    /**
     * What every {@code report.json} of a job's model holds besides its outcome.
     *
     * @param job        the model's job (its config goes into the report)
     * @param hash       the config hash
     * @param algorithms one entry per algorithm that ran ({@link #algorithm})
     * @param outputDir  the job's output folder, paths are written relative to it
     * @param resume     what {@code --resume} needs, or null when the inputs were never hashed
     */
    record Context(ModelJob job, String hash, List<Map<String, Object>> algorithms, Path outputDir, Resume resume) {
    }

    /**
     * What {@code report.json} says about the saved plan of a quantized model.
     *
     * @param plan             the plan
     * @param quantizableNodes the model's quantizable nodes
     * @param floatOps         ops the written model runs in float ({@link org.pot4j.api.model.Model#floatOps})
     * @param speedGuard       the speed guard's decisions, or null when it did not run
     */
    record SavedPlan(QuantizationPlan plan, int quantizableNodes, Map<String, String> floatOps,
                     Map<String, Object> speedGuard) {
    }

    /** Writes the {@code report.json} of a quantized model. */
    static void write(Path reportPath, Quantized o, Context c, SavedPlan saved) {
        writeReport(reportPath, o, c, saved);
    }

    /** Writes the {@code report.json} of a model that failed: no plan, sizes or output. */
    static void write(Path reportPath, Unfinished o, Context c) {
        writeReport(reportPath, o, c, null);
    }

    private static void writeReport(Path reportPath, ModelOutcome o, Context c, SavedPlan saved) {
        Path outputDir = c.outputDir();
        Resume resume = c.resume();
        Path modelDir = reportPath.toAbsolutePath().getParent();
        Quantized q = o instanceof Quantized x ? x : null;
        ModelOutcome.Accuracy accuracy = q == null ? ModelOutcome.Accuracy.NONE : q.accuracy();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("pot4j_version", Pot4j.version());
        r.put("model_name", o.modelName());
        r.put("model", String.valueOf(o.subject().modelPath()));
        r.put("backend", o.subject().backend());
        r.put("status", o.status().name());
        r.put("config_hash", c.hash());
        if (resume != null) {
            r.put("resume_key", resume.key());
            r.put("inputs", resume.inputs());
            r.put("model_files", resume.modelFiles());
            r.put("output_files", resume.outputFiles());
        }
        r.put("config", c.job().raw());
        r.put("output", q == null ? null : relative(q.output(), outputDir));
        r.put("algorithms", c.algorithms());
        if (saved != null) {
            QuantizationPlan plan = saved.plan();
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("file", JobRunner.PLAN);
            p.put("quantizable_nodes", saved.quantizableNodes());
            p.put("weight_quantizers", plan.weights().size());
            p.put("activation_quantizers", plan.activations().size());
            p.put("bias_shifts", plan.biasShifts().size());
            p.put("fp32_nodes", List.copyOf(plan.fp32Nodes()));
            p.put("float_ops", saved.floatOps());
            p.put("metadata", plan.metadata());
            r.put("plan", p);
        }
        if (saved != null && saved.speedGuard() != null) {
            r.put("speed_guard", saved.speedGuard());
        }
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("fp32", accuracy.fp32());
        metrics.put("int8", accuracy.int8());
        metrics.put("drop", accuracy.drops());
        metrics.put("headline_metric", accuracy.headlineMetric());
        r.put("metrics", metrics);
        Map<String, Object> size = new LinkedHashMap<>();
        size.put("fp32_bytes", q == null ? null : q.size().fp32Bytes());
        size.put("int8_bytes", q == null ? null : q.size().int8Bytes());
        size.put("ratio", q == null ? null : q.size().ratio());
        r.put("size", size);
        r.put("speed_ratio", q == null ? null : q.speedRatio());
        r.put("wall_seconds", o.wallSeconds());
        r.put("work_files", workFiles(modelDir.resolve(JobRunner.WORK), modelDir));
        putError(r, o);
        JsonFiles.write(reportPath, r);
    }

    /**
     * The outcome recorded in a finished {@code report.json} made from the same inputs (same
     * {@link InputDigest} key: model, data files, config, pot4j version; and unchanged external data)
     * whose model file still exists, or null (with the reason logged) when the model must run again.
     */
    static ModelOutcome reuse(Path reportPath, InputDigest inputs, ModelJob job, Path outputDir) {
        String name = job.model().modelName();
        JsonNode r = JobRunner.readJson(reportPath);
        if (r == null) {
            return null;
        }
        if (!FINISHED.contains(r.path("status").asText()) || !r.path("output").isTextual()) {
            LOG.info("model {}: the earlier run did not finish ({}); running it again", name, r.path("status").asText());
            return null;
        }
        if (!inputs.key().equals(r.path("resume_key").asText())) {
            List<String> changed = inputs.changedSince(digests(r.path("inputs")));
            LOG.warn("model {}: not reusing {}: its inputs changed since ({}); running it again", name, reportPath,
                    changed.isEmpty() ? "config or pot4j version" : String.join(", ", changed));
            return null;
        }
        List<InputDigest.FileDigest> modelFiles = digests(r.path("model_files"));
        List<Path> paths = new java.util.ArrayList<>();
        modelFiles.forEach(f -> paths.add(Path.of(f.path())));
        if (!InputDigest.digest(paths).equals(modelFiles)) {
            LOG.warn("model {}: not reusing {}: the model's external data changed since; running it again", name, reportPath);
            return null;
        }
        Path output = outputDir.resolve(r.path("output").asText()).normalize();
        if (!Files.exists(output)) {
            LOG.warn("model {}: not reusing {}: its INT8 model {} is gone; running it again", name, reportPath, output);
            return null;
        }
        JsonNode algorithms = r.path("algorithms");
        String algorithm = algorithms.isArray() && !algorithms.isEmpty()
                ? algorithms.get(algorithms.size() - 1).path("name").asText(null) : null;
        JsonNode metrics = r.path("metrics");
        JsonNode size = r.path("size");
        return new Quantized(new ModelOutcome.Subject(name, job.model().path(), r.path("backend").asText(null), algorithm),
                ModelStatus.valueOf(r.path("status").asText()), output,
                accuracy(metrics, firstMetric(job)),
                new ModelOutcome.Size(size.path("fp32_bytes").asLong(), size.path("int8_bytes").asLong()),
                doubleOrNull(r.path("speed_ratio")), reportPath, r.path("wall_seconds").asDouble(), true);
    }

    /**
     * The metrics of a report read back. The headline is the report's {@code metrics.headline_metric};
     * a report written before that field existed (its maps are sorted by key, so their first key is
     * only the alphabetically first metric) gets {@code firstConfigured}, the first configured
     * metric's name, when it is one of the keys (the same config made the report: the resume key
     * covers it), else the first key.
     */
    static ModelOutcome.Accuracy accuracy(JsonNode metrics, String firstConfigured) {
        Map<String, Double> drops = doubles(metrics.path("drop"));
        String headline = metrics.path("headline_metric").asText(null);
        if (headline == null || !drops.containsKey(headline)) {
            headline = firstConfigured != null && drops.containsKey(firstConfigured) ? firstConfigured
                    : drops.isEmpty() ? null : drops.keySet().iterator().next();
        }
        return new ModelOutcome.Accuracy(doubles(metrics.path("fp32")), doubles(metrics.path("int8")), drops, headline);
    }

    private static String firstMetric(ModelJob job) {
        List<MetricSpec> configured = job.engine().metrics();
        return configured.isEmpty() ? null : configured.get(0).name();
    }

    private static List<InputDigest.FileDigest> digests(JsonNode list) {
        List<InputDigest.FileDigest> out = new java.util.ArrayList<>();
        for (JsonNode n : list) {
            out.add(new InputDigest.FileDigest(n.path("path").asText(), n.path("size").asLong(-1), n.path("sha256").asText()));
        }
        return out;
    }

    /** What the algorithms left in the work folder (checkpoints, their own reports), relative to the model folder. */
    private static List<String> workFiles(Path workDir, Path modelDir) {
        if (!Files.isDirectory(workDir)) {
            return List.of();
        }
        try (java.util.stream.Stream<Path> s = Files.walk(workDir)) {
            return s.filter(Files::isRegularFile).map(p -> modelDir.relativize(p).toString().replace('\\', '/')).sorted().toList();
        } catch (java.io.IOException e) {
            return List.of();
        }
    }

    private static Map<String, Double> doubles(JsonNode n) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            out.put(e.getKey(), e.getValue().asDouble());
        }
        return out;
    }

    private static Double doubleOrNull(JsonNode n) {
        return n.isNumber() ? n.asDouble() : null;
    }

    private static String relative(Path p, Path base) {
        if (p == null) {
            return null;
        }
        Path abs = p.toAbsolutePath().normalize();
        Path b = base.toAbsolutePath().normalize();
        return abs.startsWith(b) ? b.relativize(abs).toString() : abs.toString();
    }
}
