package org.pot4j.engine.evaluation.executor;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import org.pot4j.engine.config.ConfigErrors;
import org.pot4j.engine.config.ParamBinder;
import org.pot4j.engine.config.Suggestions;
import org.pot4j.engine.plugin.PluginRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds {@link EvaluationExecutorProvider}s with {@link ServiceLoader} on the engine's class
 * loader, the thread's context class loader and every plugin folder's loader, and creates the
 * executor a config's {@code engine.executor} asks for.
 */
public final class EvaluationExecutors {
    private static final Logger LOG = LoggerFactory.getLogger(EvaluationExecutors.class);

    private EvaluationExecutors() {
    }

    /** Installed providers by type (the first found wins; a broken one is logged and skipped). */
    @SuppressWarnings("rawtypes")
    public static Map<String, EvaluationExecutorProvider> discover(PluginRegistry registry) {
        Set<ClassLoader> loaders = new LinkedHashSet<>();
        loaders.add(EvaluationExecutors.class.getClassLoader());
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        if (context != null) {
            loaders.add(context);
        }
        if (registry != null) {
            loaders.addAll(registry.classLoaders());
        }
        Map<String, EvaluationExecutorProvider> found = new LinkedHashMap<>();
        for (ClassLoader loader : loaders) {
            try {
                for (EvaluationExecutorProvider p : ServiceLoader.load(EvaluationExecutorProvider.class, loader)) {
                    found.putIfAbsent(p.type(), p);
                }
            } catch (ServiceConfigurationError | LinkageError e) {
                LOG.warn("an evaluation executor provider failed to load: {}", e.toString());
            }
        }
        return found;
    }

    /**
     * Checks a config's {@code engine.executor} object without starting anything.
     *
     * @throws Pot4jException {@code CONFIG_INVALID} / {@code CONFIG_UNKNOWN_KEY} naming the type or key
     */
    public static void check(PluginRegistry registry, Map<String, Object> spec) {
        check(registry, spec, "engine.executor");
    }

    /** As {@link #check(PluginRegistry, Map)}; {@code path} is where the object is in the config. */
    public static void check(PluginRegistry registry, Map<String, Object> spec, String path) {
        bind(provider(registry, spec), spec, path);
    }

    /** Creates the executor {@code spec} names (null or empty: local). */
    public static EvaluationExecutor create(PluginRegistry registry, Map<String, Object> spec) {
        if (spec == null || spec.isEmpty()) {
            return new LocalEvaluationExecutor();
        }
        return create(provider(registry, spec), spec);
    }

    private static <P extends Record> EvaluationExecutor create(EvaluationExecutorProvider<P> p, Map<String, Object> spec) {
        return p.create(bind(p, spec, "engine.executor"));
    }

    /** The executor's keys bound by the one binder (unknown keys, types, ranges named under {@code path}). */
    private static <P extends Record> P bind(EvaluationExecutorProvider<P> p, Map<String, Object> spec, String path) {
        return ParamBinder.bind(params(spec), p.parameters(), "evaluation executor '" + p.type() + "'", path);
    }

    private static EvaluationExecutorProvider<?> provider(PluginRegistry registry, Map<String, Object> spec) {
        Object type = spec == null ? LocalEvaluationExecutor.TYPE : spec.getOrDefault("type", LocalEvaluationExecutor.TYPE);
        @SuppressWarnings("rawtypes")
        Map<String, EvaluationExecutorProvider> all = discover(registry);
        EvaluationExecutorProvider<?> p = all.get(String.valueOf(type));
        if (p == null) {
            throw ConfigErrors.invalid(null, "engine.executor.type", "'" + type + "' is not an installed evaluation executor"
                    + Suggestions.didYouMean(String.valueOf(type), all.keySet()) + "; installed: " + new TreeSet<>(all.keySet())
                    + (String.valueOf(type).equals("spark") ? "; install the spark plugin into plugins/spark/" : ""));
        }
        return p;
    }

    private static Map<String, Object> params(Map<String, Object> spec) {
        Map<String, Object> params = new LinkedHashMap<>(spec == null ? Map.of() : spec);
        params.remove("type");
        return params;
    }
}
