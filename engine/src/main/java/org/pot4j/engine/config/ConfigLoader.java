package org.pot4j.engine.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.param.Range;

/**
 * Reads a POT-style config (JSON, or YAML for {@code .yaml}/{@code .yml}) into a
 * {@link Pot4jConfig}. Every key is checked: an unknown or misspelt key fails with
 * {@code CONFIG_UNKNOWN_KEY} naming the file, the key's path, a "did you mean" hint and the valid
 * keys; a value of the wrong type fails with {@code CONFIG_INVALID}.
 *
 * <pre>{@code
 * {"model": {"model_name": "lenet", "model": "lenet.onnx", "framework": "onnx", "options": {}},
 *  "engine": {"calibration_dataset": {"type": "idx", "images": "...", "labels": "..."},
 *             "validation_dataset": {...}, "metrics": [{"name": "accuracy", "params": {"top_k": 1}}],
 *             "batch_size": 32, "threads": 2, "benchmark": false},
 *  "compression": {"target_device": "ANY", "algorithms": [{"name": "DefaultQuantization", "params": {...}}]},
 *  "output": {"dir": "out"}}
 * }</pre>
 *
 * <p>The multi-model form replaces {@code model} by {@code models: [{model, engine, compression}, ...]};
 * the top-level {@code engine} and {@code compression} are defaults, and an entry's sections
 * override them key by key (an entry's {@code metrics} or {@code algorithms} list replaces the
 * default list as a whole).
 *
 * <p>With a {@link Catalog} of the installed plugins, algorithm, metric and dataset names and
 * their top-level parameter names are checked too; backend names are not (a model whose backend
 * is missing fails alone when the job runs, not the whole config).
 */
public final class ConfigLoader {
    static final Set<String> TOP = Set.of("model", "engine", "compression", "output", "models");
    static final Set<String> MODEL = Set.of("model_name", "model", "framework", "options", "weights");
    /** The engine keys; {@code device}, {@code stat_requests_number} and {@code eval_requests_number} with POT's meaning. */
    static final Set<String> ENGINE = Set.of("calibration_dataset", "validation_dataset", "metrics", "batch_size",
            "threads", "benchmark", "executor", "device", "stat_requests_number", "eval_requests_number", "speed_guard");
    /** POT's {@code engine.device} values pot4j runs on (it runs on the CPU). */
    static final Set<String> DEVICES = Set.of("CPU", "ANY");
    static final Set<String> METRIC = Set.of("name", "params");
    static final Set<String> COMPRESSION = Set.of("target_device", "algorithms");
    static final Set<String> ALGORITHM = Set.of("name", "params");
    static final Set<String> OUTPUT = Set.of("dir");
    static final Set<String> ENTRY = Set.of("model", "engine", "compression");
    static final Set<String> TARGET_DEVICES = Set.of("ANY", "CPU");
    /** Algorithm used when a config names none. */
    public static final String DEFAULT_ALGORITHM = "DefaultQuantization";

    private static final ObjectMapper YAML = YAMLMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();

    /** The installed plugins, as far as config validation needs them. */
    public interface Catalog {
        /** Installed backend names. */
        Set<String> backends();

        /** Installed algorithm names. */
        Set<String> algorithms();

        /** The algorithm's parameter names, or empty when it is not installed. */
        Optional<Set<String>> algorithmParameters(String name);

        /** Installed metric names. */
        Set<String> metrics();

        /** The metric's parameter names, or empty when it is not installed. */
        Optional<Set<String>> metricParameters(String name);

        /** Installed dataset types. */
        Set<String> datasetTypes();

        /** The dataset provider's parameter names, or empty when it is not installed. */
        Optional<Set<String>> datasetParameters(String type);

        /** Checks an installed algorithm's parameter values (types, ranges); throws a {@link Pot4jException}. */
        default void checkAlgorithmParameters(String name, Map<String, Object> params) {
        }

        /**
         * Binds an installed metric's parameters to its parameter record (keys, types, ranges); throws a
         * {@link Pot4jException} naming the key under {@code path}.
         */
        default void checkMetricParameters(String name, Map<String, Object> params, String path) {
        }

        /**
         * Binds an installed dataset provider's parameters to its parameter record (keys, types, ranges);
         * throws a {@link Pot4jException} naming the key under {@code path}.
         */
        default void checkDataset(String type, Map<String, Object> params, String path) {
        }

        /**
         * Checks an {@code engine.executor} object at {@code path} (installed type; keys, types and ranges
         * bound by the executor's parameter record); throws a {@link Pot4jException}.
         */
        default void checkExecutor(Map<String, Object> executor, String path) {
        }
    }

    private final Catalog catalog;

    /** A loader that checks structure and types only. */
    public ConfigLoader() {
        this(null);
    }

    /** A loader that also checks names against the installed plugins (null: structure only). */
    public ConfigLoader(Catalog catalog) {
        this.catalog = catalog;
    }

    /**
     * Reads and validates a config file.
     *
     * @throws Pot4jException {@code FILE_NOT_FOUND}, {@code CONFIG_INVALID},
     *                        {@code CONFIG_UNKNOWN_KEY}, {@code UNKNOWN_ALGORITHM}, {@code UNKNOWN_METRIC}
     */
    public Pot4jConfig load(Path file) {
        if (Files.isDirectory(file)) {
            throw new Pot4jException(ErrorCode.CONFIG_INVALID, "config path " + file + " is a folder; give the config file"
                    + " (.json, .yaml or .yml) inside it");
        }
        if (Files.exists(file) && !Files.isRegularFile(file)) {
            // a FIFO or device would block or never end
            throw new Pot4jException(ErrorCode.CONFIG_INVALID, "config path " + file + " is not a regular file"
                    + " (a pipe or device?); give a .json, .yaml or .yml file");
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new Pot4jException(ErrorCode.FILE_NOT_FOUND, "config file " + file + " does not exist", e);
        } catch (IOException e) {
            throw new Pot4jException(ErrorCode.IO_FAILURE, "cannot read config " + file + ": " + e.getMessage(), e);
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return parse(text, name.endsWith(".yaml") || name.endsWith(".yml"), file);
    }

    /**
     * Parses config text; {@code file} names it in messages and its folder is the base for
     * relative paths.
     */
    public Pot4jConfig parse(String text, boolean yaml, Path file) {
        JsonNode root;
        try {
            root = (yaml ? YAML : JsonFiles.mapper()).readTree(text);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw new Pot4jException(ErrorCode.CONFIG_INVALID, file + ": not valid " + (yaml ? "YAML" : "JSON")
                    + (at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr()) + ": "
                    + e.getOriginalMessage(), e);
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            throw new Pot4jException(ErrorCode.CONFIG_INVALID, file + ": the config is empty");
        }
        Path baseDir = file.toAbsolutePath().normalize().getParent();
        return new Reader(file, baseDir).config(root);
    }

    /**
     * The engine section's own values, bound by the one {@link ParamBinder} (its datasets, metrics,
     * executor and speed guard are read with their own paths): POT's {@code device} (CPU or ANY) and
     * parallel request counts, pot4j's batch size, backend threads and benchmark switch.
     */
    record EngineKeys(@Range(min = 1) Integer batchSize, @Range(min = 1) Integer threads, Boolean benchmark,
                      String device, @Range(min = 1) Integer statRequestsNumber, @Range(min = 1) Integer evalRequestsNumber) {
    }

    /** A value and where it is in the file. */
    private record Field(JsonNode node, String path) {
    }

    private final class Reader {
        private final Path file;
        private final Path baseDir;

        Reader(Path file, Path baseDir) {
            this.file = file;
            this.baseDir = baseDir;
        }

        Pot4jConfig config(JsonNode root) {
            Map<String, Field> top = object(new Field(root, ""), TOP, null);
            Map<String, Field> engineDefaults = top.containsKey("engine") ? object(top.get("engine"), ENGINE, null) : Map.of();
            Map<String, Field> compressionDefaults = top.containsKey("compression")
                    ? object(top.get("compression"), COMPRESSION, null) : Map.of();
            List<ModelJob> jobs = new ArrayList<>();
            if (top.containsKey("models")) {
                if (top.containsKey("model")) {
                    throw ConfigErrors.invalid(file, "model", "cannot be used together with 'models'; put every model in 'models'");
                }
                Field models = top.get("models");
                if (!models.node().isArray() || models.node().isEmpty()) {
                    throw ConfigErrors.invalid(file, "models", "must be a non-empty list of {model, engine, compression}, got "
                            + describe(models.node()));
                }
                for (int i = 0; i < models.node().size(); i++) {
                    Field entryField = new Field(models.node().get(i), "models[" + i + "]");
                    Map<String, Field> entry = object(entryField, ENTRY, null);
                    if (!entry.containsKey("model")) {
                        throw ConfigErrors.invalid(file, entryField.path() + ".model", "is required");
                    }
                    Map<String, Field> engine = new LinkedHashMap<>(engineDefaults);
                    if (entry.containsKey("engine")) {
                        engine.putAll(object(entry.get("engine"), ENGINE, null));
                    }
                    Map<String, Field> compression = new LinkedHashMap<>(compressionDefaults);
                    if (entry.containsKey("compression")) {
                        compression.putAll(object(entry.get("compression"), COMPRESSION, null));
                    }
                    jobs.add(job(entry.get("model"), engine, compression, entryField.path() + ".engine"));
                }
            } else {
                if (!top.containsKey("model")) {
                    throw ConfigErrors.invalid(file, "model", "is required (or a 'models' list)");
                }
                jobs.add(job(top.get("model"), engineDefaults, compressionDefaults, "engine"));
            }
            Set<String> names = new HashSet<>();
            for (int i = 0; i < jobs.size(); i++) {
                String n = jobs.get(i).model().modelName();
                if (!names.add(n)) {
                    throw ConfigErrors.invalid(file, (jobs.size() > 1 ? "models[" + i + "]." : "") + "model.model_name",
                            "'" + n + "' is used by two models; model names must be unique (they name the output folders)");
                }
            }
            Path outputDir = null;
            if (top.containsKey("output")) {
                Map<String, Field> output = object(top.get("output"), OUTPUT, null);
                if (output.containsKey("dir")) {
                    outputDir = baseDir.resolve(string(output.get("dir"))).normalize();
                }
            }
            return new Pot4jConfig(file, baseDir, jobs, outputDir);
        }

        private ModelJob job(Field modelField, Map<String, Field> engine, Map<String, Field> compression, String enginePath) {
            ModelSpec model = model(modelField);
            EngineSpec engineSpec = engine(engine, enginePath);
            CompressionSpec compressionSpec = compression(compression);
            Map<String, Object> raw = new LinkedHashMap<>();
            raw.put("model", plain(modelField.node()));
            raw.put("engine", plain(engine));
            raw.put("compression", plain(compression));
            return new ModelJob(model, engineSpec, compressionSpec, raw);
        }

        private ModelSpec model(Field f) {
            Map<String, Field> m = object(f, MODEL, null);
            if (!m.containsKey("model")) {
                throw ConfigErrors.invalid(file, f.path() + ".model", "is required (the model file or folder)");
            }
            String location = string(m.get("model"));
            Path path = baseDir.resolve(location).normalize();
            String name = m.containsKey("model_name") ? string(m.get("model_name")) : stem(path);
            if (name.isBlank() || name.contains("/") || name.contains("\\") || name.equals(".") || name.equals("..")) {
                throw ConfigErrors.invalid(file, f.path() + ".model_name", "'" + name
                        + "' cannot name a folder; use letters, digits, '-', '_' or '.'");
            }
            String framework = m.containsKey("framework") ? string(m.get("framework")) : null;
            Map<String, Object> options = m.containsKey("options") ? params(m.get("options")) : Map.of();
            Path weights = m.containsKey("weights") ? weights(m.get("weights"), path) : null;
            return new ModelSpec(name, path, framework, options, weights);
        }

        /**
         * POT's {@code model.weights}: for OpenVINO the IR's {@code .bin}, which pot4j does not read;
         * for ONNX the external-data file, which ONNX Runtime reads from the model's folder.
         */
        private Path weights(Field f, Path model) {
            Path w = baseDir.resolve(string(f)).normalize();
            String name = w.getFileName() == null ? "" : w.getFileName().toString().toLowerCase(Locale.ROOT);
            String modelName = model.getFileName() == null ? "" : model.getFileName().toString().toLowerCase(Locale.ROOT);
            if (name.endsWith(".bin") && (modelName.endsWith(".xml") || Files.isRegularFile(w.resolveSibling(
                    name.substring(0, name.length() - 4) + ".xml")))) {
                throw ConfigErrors.invalid(file, f.path(), "'" + f.node().asText() + "' is an OpenVINO IR weights file: the IR"
                        + " format (.xml + .bin) is not supported; export the model to ONNX (e.g. from the framework it was"
                        + " trained in) and point model.model at the .onnx file");
            }
            if (modelName.endsWith(".xml")) {
                throw ConfigErrors.invalid(file, f.path().replace("weights", "model"), "'" + model.getFileName()
                        + "' looks like an OpenVINO IR: the IR format is not supported; export the model to ONNX");
            }
            if (!Files.isRegularFile(w)) {
                throw ConfigErrors.invalid(file, f.path(), "'" + f.node().asText() + "' does not exist (resolved to " + w
                        + "); give the model's external-data file, or leave weights out");
            }
            Path modelDir = model.toAbsolutePath().getParent();
            if (modelDir == null || !modelDir.equals(w.toAbsolutePath().getParent())) {
                throw ConfigErrors.invalid(file, f.path(), "'" + f.node().asText() + "' must be in the model's folder: an ONNX"
                        + " model names its external-data file relative to itself; move the file next to " + model.getFileName());
            }
            return w;
        }

        private EngineSpec engine(Map<String, Field> e, String path) {
            if (!e.containsKey("calibration_dataset")) {
                throw ConfigErrors.invalid(file, path + ".calibration_dataset", "is required (the data to calibrate on)");
            }
            DatasetSpec calibration = dataset(e.get("calibration_dataset"));
            DatasetSpec validation = e.containsKey("validation_dataset") ? dataset(e.get("validation_dataset")) : null;
            List<MetricSpec> metrics = new ArrayList<>();
            if (e.containsKey("metrics")) {
                Field list = e.get("metrics");
                if (!list.node().isArray()) {
                    throw ConfigErrors.invalid(file, list.path(), "must be a list of {name, params}, got " + describe(list.node()));
                }
                for (int i = 0; i < list.node().size(); i++) {
                    metrics.add(metric(new Field(list.node().get(i), list.path() + "[" + i + "]")));
                }
            }
            Map<String, Object> scalars = new LinkedHashMap<>();
            for (String key : ParamBinder.keys(EngineKeys.class)) {
                if (e.containsKey(key)) {
                    scalars.put(key, plain(e.get(key).node()));
                }
            }
            EngineKeys k = bound(() -> ParamBinder.bind(scalars, EngineKeys.class, "the engine section", path));
            if (k.device() != null && !DEVICES.contains(k.device().toUpperCase(Locale.ROOT))) {
                throw ConfigErrors.invalid(file, e.get("device").path(), "'" + k.device() + "' is not supported: pot4j runs"
                        + " models on the CPU; use CPU (or ANY), or leave device out");
            }
            Integer batch = k.batchSize();
            Integer threads = k.threads();
            boolean benchmark = Boolean.TRUE.equals(k.benchmark());
            Integer statRequests = k.statRequestsNumber();
            Integer evalRequests = k.evalRequestsNumber();
            Map<String, Object> executor = Map.of();
            if (e.containsKey("executor")) {
                Field x = e.get("executor");
                if (!x.node().isObject()) {
                    throw ConfigErrors.invalid(file, x.path(), "must be an object {type: local|spark, ...}, got " + describe(x.node()));
                }
                executor = params(x);
                if (catalog != null) {
                    Map<String, Object> checked = executor;
                    withFile(() -> catalog.checkExecutor(checked, x.path()));
                }
            }
            SpeedGuardSpec guard = e.containsKey("speed_guard") ? speedGuard(e.get("speed_guard")) : null;
            return new EngineSpec(calibration, validation, metrics, batch, threads, benchmark, executor, statRequests,
                    evalRequests, guard);
        }

        /** {@code speed_guard: true|false} or {@code {enabled, batch_sizes, rounds, max_measurements}}. */
        private SpeedGuardSpec speedGuard(Field f) {
            if (!f.node().isObject()) {
                return SpeedGuardSpec.of(bool(f));
            }
            object(f, SpeedGuardSpec.KEYS, "engine.speed_guard");
            Field enabled = child(f, "enabled");
            Field batches = child(f, "batch_sizes");
            List<Integer> sizes = null;
            if (batches != null) {
                if (!batches.node().isArray() || batches.node().isEmpty()) {
                    throw ConfigErrors.invalid(file, batches.path(), "must be a non-empty list of batch sizes, e.g. [1, 8], got "
                            + describe(batches.node()));
                }
                sizes = new ArrayList<>();
                for (int i = 0; i < batches.node().size(); i++) {
                    sizes.add(positiveInt(new Field(batches.node().get(i), batches.path() + "[" + i + "]")));
                }
            }
            Field rounds = child(f, "rounds");
            Field max = child(f, "max_measurements");
            return new SpeedGuardSpec(enabled == null || bool(enabled), sizes,
                    rounds == null ? SpeedGuardSpec.DEFAULT_ROUNDS : positiveInt(rounds),
                    max == null ? SpeedGuardSpec.DEFAULT_MAX_MEASUREMENTS : positiveInt(max));
        }

        private DatasetSpec dataset(Field f) {
            if (!f.node().isObject()) {
                throw ConfigErrors.invalid(file, f.path(), "must be an object {type, ...}, got " + describe(f.node()));
            }
            Field typeField = child(f, "type");
            if (typeField == null) {
                throw ConfigErrors.invalid(file, f.path() + ".type", "is required (one of "
                        + (catalog == null ? "idx, npy, csv" : catalog.datasetTypes()) + ")");
            }
            String type = string(typeField);
            if (catalog != null && catalog.datasetParameters(type).isEmpty()) {
                throw ConfigErrors.invalid(file, typeField.path(), "'" + type + "' is not an installed dataset type"
                        + Suggestions.didYouMean(type, catalog.datasetTypes()) + "; installed: " + catalog.datasetTypes());
            }
            String annotation = null;
            Field a = child(f, "annotation");
            if (a != null) {
                annotation = string(a);
                if (!annotation.equals("fp32_output")) {
                    throw ConfigErrors.invalid(file, a.path(), "must be 'fp32_output' (or left out), got '" + annotation + "'");
                }
            }
            Map<String, Object> params = new LinkedHashMap<>(params(f));
            params.remove("type");
            params.remove("annotation");
            if (catalog != null) {
                withFile(() -> catalog.checkDataset(type, params, f.path()));
            }
            return new DatasetSpec(type, params, annotation);
        }

        private MetricSpec metric(Field f) {
            String name;
            Map<String, Object> params = Map.of();
            Field paramsField = null;
            Field nameField = f;
            if (f.node().isTextual()) {
                name = f.node().asText();
            } else {
                Map<String, Field> m = object(f, METRIC, null);
                nameField = m.get("name");
                if (nameField == null) {
                    throw ConfigErrors.invalid(file, f.path() + ".name", "is required");
                }
                name = string(nameField);
                paramsField = m.get("params");
                if (paramsField != null) {
                    params = params(paramsField);
                }
            }
            if (catalog != null) {
                Optional<Set<String>> valid = catalog.metricParameters(name);
                if (valid.isEmpty()) {
                    throw new Pot4jException(ErrorCode.UNKNOWN_METRIC, file + ": metric '" + name + "' at " + nameField.path()
                            + " is not installed" + Suggestions.didYouMean(name, catalog.metrics())
                            + "; installed metrics: " + catalog.metrics() + "; a metric plugin jar goes into plugins/");
                }
                Map<String, Object> checked = params;
                String at = paramsField != null ? paramsField.path() : f.path() + ".params";
                withFile(() -> catalog.checkMetricParameters(name, checked, at));
            }
            return new MetricSpec(name, params);
        }

        private CompressionSpec compression(Map<String, Field> c) {
            String device = "ANY";
            if (c.containsKey("target_device")) {
                Field d = c.get("target_device");
                device = string(d).toUpperCase(Locale.ROOT);
                if (!TARGET_DEVICES.contains(device)) {
                    throw ConfigErrors.invalid(file, d.path(), "must be one of " + new TreeSet<>(TARGET_DEVICES) + ", got '"
                            + d.node().asText() + "'");
                }
            }
            List<AlgorithmSpec> algorithms = new ArrayList<>();
            if (c.containsKey("algorithms")) {
                Field list = c.get("algorithms");
                if (!list.node().isArray() || list.node().isEmpty()) {
                    throw ConfigErrors.invalid(file, list.path(), "must be a non-empty list of {name, params}, got "
                            + describe(list.node()));
                }
                for (int i = 0; i < list.node().size(); i++) {
                    algorithms.add(algorithm(new Field(list.node().get(i), list.path() + "[" + i + "]")));
                }
            } else {
                algorithms.add(new AlgorithmSpec(DEFAULT_ALGORITHM, Map.of()));
            }
            return new CompressionSpec(device, algorithms);
        }

        private AlgorithmSpec algorithm(Field f) {
            Map<String, Field> a = object(f, ALGORITHM, null);
            Field nameField = a.get("name");
            if (nameField == null) {
                throw ConfigErrors.invalid(file, f.path() + ".name", "is required (e.g. DefaultQuantization)");
            }
            String name = string(nameField);
            Field paramsField = a.get("params");
            Map<String, Object> params = paramsField == null ? Map.of() : params(paramsField);
            if (catalog != null) {
                Optional<Set<String>> valid = catalog.algorithmParameters(name);
                if (valid.isEmpty()) {
                    throw new Pot4jException(ErrorCode.UNKNOWN_ALGORITHM, file + ": algorithm '" + name + "' at "
                            + nameField.path() + " is not installed" + Suggestions.didYouMean(name, catalog.algorithms())
                            + "; installed algorithms: " + catalog.algorithms());
                }
                withFile(() -> ParamBinder.requireKnown(params, valid.get(), "algorithm '" + name + "'", f.path() + ".params"));
                withPlace(f.path() + ".params", () -> catalog.checkAlgorithmParameters(name, params));
            }
            return new AlgorithmSpec(name, params);
        }

        /** A binding whose errors name the key's path already, naming the file in the error. */
        private <T> T bound(java.util.function.Supplier<T> binding) {
            try {
                return binding.get();
            } catch (Pot4jException e) {
                throw new Pot4jException(e.code(), file + ": " + e.getMessage(), e);
            }
        }

        /** Runs a check whose errors name the key's path already, naming the file in the error. */
        private void withFile(Runnable check) {
            try {
                check.run();
            } catch (Pot4jException e) {
                throw new Pot4jException(e.code(), file + ": " + e.getMessage(), e);
            }
        }

        /** Runs a plugin's value check, naming the file and the place in it in the error. */
        private void withPlace(String path, Runnable check) {
            try {
                check.run();
            } catch (Pot4jException e) {
                throw new Pot4jException(e.code(), file + ": " + path + ": " + e.getMessage(), e);
            }
        }

        // ------------------------------------------------------------ typed access

        /** The object's fields, after checking that every key is one of {@code valid}. */
        private Map<String, Field> object(Field f, Set<String> valid, String context) {
            if (!f.node().isObject()) {
                throw ConfigErrors.invalid(file, f.path().isEmpty() ? "the top level" : f.path(),
                        "must be an object, got " + describe(f.node()));
            }
            Map<String, Field> out = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = f.node().fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String path = f.path().isEmpty() ? e.getKey() : f.path() + "." + e.getKey();
                if (valid != null && !valid.contains(e.getKey())) {
                    throw ConfigErrors.unknownKey(file, path, e.getKey(), valid, context);
                }
                out.put(e.getKey(), new Field(e.getValue(), path));
            }
            return out;
        }

        private Field child(Field f, String key) {
            JsonNode n = f.node().get(key);
            return n == null ? null : new Field(n, f.path() + "." + key);
        }

        private String string(Field f) {
            if (!f.node().isTextual()) {
                throw ConfigErrors.invalid(file, f.path(), "must be a string, got " + describe(f.node()));
            }
            return f.node().asText();
        }

        private boolean bool(Field f) {
            if (!f.node().isBoolean()) {
                throw ConfigErrors.invalid(file, f.path(), "must be true or false, got " + describe(f.node()));
            }
            return f.node().asBoolean();
        }

        private int positiveInt(Field f) {
            JsonNode n = f.node();
            if (!n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() <= 0) {
                throw ConfigErrors.invalid(file, f.path(), "must be a positive integer, got " + describe(n));
            }
            return n.asInt();
        }

        @SuppressWarnings("unchecked")
        private Map<String, Object> params(Field f) {
            if (!f.node().isObject()) {
                throw ConfigErrors.invalid(file, f.path(), "must be an object, got " + describe(f.node()));
            }
            return JsonFiles.freezeMap(JsonFiles.mapper().convertValue(f.node(), LinkedHashMap.class));
        }

        private Object plain(JsonNode n) {
            return JsonFiles.freeze(JsonFiles.mapper().convertValue(n, Object.class));
        }

        private Object plain(Map<String, Field> fields) {
            Map<String, Object> out = new LinkedHashMap<>();
            fields.forEach((k, v) -> out.put(k, plain(v.node())));
            return out;
        }
    }

    /** The file name without extension; for {@code saved_model.pb} the folder's name. */
    static String stem(Path path) {
        Path fileName = path.getFileName();
        if (fileName == null) {
            return "model";
        }
        String n = fileName.toString();
        if (n.equals("saved_model.pb") && path.getParent() != null && path.getParent().getFileName() != null) {
            return path.getParent().getFileName().toString();
        }
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }

    /** A value's type (and a short form of the value) for messages. */
    static String describe(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            return "null";
        }
        if (n.isTextual()) {
            String t = n.asText();
            return "a string ('" + (t.length() > 40 ? t.substring(0, 40) + "..." : t) + "')";
        }
        if (n.isNumber()) {
            return "a number (" + n.asText() + ")";
        }
        if (n.isBoolean()) {
            return "a boolean (" + n.asText() + ")";
        }
        if (n.isArray()) {
            return "a list";
        }
        return "an object";
    }
}
