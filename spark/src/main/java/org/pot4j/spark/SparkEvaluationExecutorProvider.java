package org.pot4j.spark;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pot4j.api.param.Range;
import org.pot4j.engine.evaluation.executor.EvaluationExecutor;
import org.pot4j.engine.evaluation.executor.EvaluationExecutorProvider;

/**
 * {@code engine: {executor: {type: spark, master: "local[2]" | "spark://host:7077" | "yarn",
 * conf: {spark.executor.memory: 4g, ...}, plugin_dirs: [...], tasks_per_core: 2}}}. Without
 * {@code master} the context takes {@code spark.master} from {@code spark-submit}.
 */
public final class SparkEvaluationExecutorProvider
        implements EvaluationExecutorProvider<SparkEvaluationExecutorProvider.Params> {

    /**
     * The {@code engine.executor} keys, bound by the engine's binder when the config loads.
     *
     * @param master       Spark master URL ({@code local[2]}, {@code spark://host:7077}, {@code yarn}); null: from spark-submit
     * @param conf         Spark settings; numbers and booleans are given as their text
     * @param pluginDirs   folders (as the executors see them) holding pot4j plugins (a single folder is a list of one);
     *                     null: this installation's {@code plugins/}
     * @param tasksPerCore Spark tasks per executor core
     */
    public record Params(String master, Map<String, Object> conf, List<String> pluginDirs,
                         @Range(min = 1, max = 64) int tasksPerCore) {
        static Params defaults() {
            return new Params(null, Map.of(), null, 2);
        }

        public Params {
            Map<String, Object> text = new LinkedHashMap<>();
            for (Map.Entry<String, Object> e : (conf == null ? Map.<String, Object>of() : conf).entrySet()) {
                Object v = e.getValue();
                if (!(v instanceof String || v instanceof Number || v instanceof Boolean)) {
                    throw new IllegalArgumentException("conf." + e.getKey() + " must be a string, number or boolean, got " + v);
                }
                text.put(e.getKey(), String.valueOf(v));
            }
            conf = java.util.Collections.unmodifiableMap(text);
        }
    }

    @Override
    public String type() {
        return SparkEvaluationExecutor.TYPE;
    }

    @Override
    public Class<Params> parameters() {
        return Params.class;
    }

    @Override
    public EvaluationExecutor create(Params params) {
        Map<String, String> conf = new LinkedHashMap<>();
        params.conf().forEach((k, v) -> conf.put(k, (String) v));
        return SparkEvaluationExecutor.start(params.master(), conf,
                pluginDirs(params.pluginDirs()), params.tasksPerCore());
    }

    private static List<String> pluginDirs(List<String> given) {
        if (given != null) {
            return new ArrayList<>(given);
        }
        List<String> out = new ArrayList<>();
        // default: this installation's plugins/ (the launcher sets pot4j.home), which is where
        // executors find it in local mode and on nodes with the same install path
        String home = System.getProperty("pot4j.home");
        if (home != null && java.nio.file.Files.isDirectory(java.nio.file.Path.of(home, "plugins"))) {
            out.add(java.nio.file.Path.of(home, "plugins").toString());
        }
        return out;
    }
}
