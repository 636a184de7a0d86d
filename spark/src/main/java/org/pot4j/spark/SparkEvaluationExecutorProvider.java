package org.pot4j.spark;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pot4j.engine.config.ConfigErrors;
import org.pot4j.engine.evaluation.executor.EvaluationExecutor;
import org.pot4j.engine.evaluation.executor.EvaluationExecutorProvider;

/**
 * {@code engine: {executor: {type: spark, master: "local[2]" | "spark://host:7077" | "yarn",
 * conf: {spark.executor.memory: 4g, ...}, plugin_dirs: [...], tasks_per_core: 2}}}. Without
 * {@code master} the context takes {@code spark.master} from {@code spark-submit}.
 */
public final class SparkEvaluationExecutorProvider implements EvaluationExecutorProvider {
    static final String MASTER = "master";
    static final String CONF = "conf";
    static final String PLUGIN_DIRS = "plugin_dirs";
    static final String TASKS_PER_CORE = "tasks_per_core";

    @Override
    public String type() {
        return SparkEvaluationExecutor.TYPE;
    }

    @Override
    public Set<String> parameterNames() {
        return Set.of(MASTER, CONF, PLUGIN_DIRS, TASKS_PER_CORE);
    }

    @Override
    public void checkParameters(Map<String, Object> params) {
        master(params);
        conf(params);
        pluginDirs(params);
        tasksPerCore(params);
    }

    @Override
    public EvaluationExecutor create(Map<String, Object> params) {
        checkParameters(params);
        return SparkEvaluationExecutor.start(master(params), conf(params), pluginDirs(params), tasksPerCore(params));
    }

    private static String master(Map<String, Object> params) {
        Object m = params.get(MASTER);
        if (m != null && !(m instanceof String)) {
            throw ConfigErrors.invalid(null, "engine.executor.master", "must be a Spark master URL string such as \"local[2]\", "
                    + "\"spark://host:7077\" or \"yarn\", got " + m);
        }
        return (String) m;
    }

    private static Map<String, String> conf(Map<String, Object> params) {
        Object c = params.get(CONF);
        Map<String, String> out = new LinkedHashMap<>();
        if (c == null) {
            return out;
        }
        if (!(c instanceof Map<?, ?> map)) {
            throw ConfigErrors.invalid(null, "engine.executor.conf", "must be an object of Spark settings, e.g. "
                    + "{\"spark.executor.memory\": \"4g\"}, got " + c);
        }
        for (Map.Entry<?, ?> e : map.entrySet()) {
            Object v = e.getValue();
            if (!(v instanceof String || v instanceof Number || v instanceof Boolean)) {
                throw ConfigErrors.invalid(null, "engine.executor.conf." + e.getKey(), "must be a string, number or boolean, got " + v);
            }
            out.put(String.valueOf(e.getKey()), String.valueOf(v));
        }
        return out;
    }

    private static List<String> pluginDirs(Map<String, Object> params) {
        Object d = params.get(PLUGIN_DIRS);
        List<String> out = new ArrayList<>();
        if (d == null) {
            return out;
        }
        if (d instanceof String s) {
            out.add(s);
            return out;
        }
        if (!(d instanceof List<?> list) || !list.stream().allMatch(x -> x instanceof String)) {
            throw ConfigErrors.invalid(null, "engine.executor.plugin_dirs", "must be a list of folders (as the executors see them) "
                    + "holding pot4j plugins, got " + d);
        }
        list.forEach(x -> out.add((String) x));
        return out;
    }

    private static int tasksPerCore(Map<String, Object> params) {
        Object t = params.get(TASKS_PER_CORE);
        if (t == null) {
            return 2;
        }
        if (!(t instanceof Integer i) || i < 1 || i > 64) {
            throw ConfigErrors.invalid(null, "engine.executor.tasks_per_core", "must be an integer from 1 to 64, got " + t);
        }
        return i;
    }
}
