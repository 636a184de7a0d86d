package org.pot4j.engine.plugin;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.data.DatasetProvider;
import org.pot4j.api.metric.MetricProvider;
import org.pot4j.api.model.BackendCapability;
import org.pot4j.api.model.ModelBackend;
import org.pot4j.api.model.ModelBackendProvider;
import org.pot4j.api.quant.QuantizationAlgorithmProvider;
import org.pot4j.engine.config.ParamBinder;
import org.pot4j.engine.config.Suggestions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What discovery found: providers by kind and name, the ones that failed, and the backends started
 * so far. Backends are created lazily (their native libraries load in {@code create}) and cached;
 * a backend whose {@code create} fails is recorded as a failure once and never retried.
 */
public final class PluginRegistry implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PluginRegistry.class);

    private final Map<PluginKind, Map<String, PluginInfo>> byKind = new LinkedHashMap<>();
    private final List<PluginFailure> failures;
    private final List<PluginClassLoader> loaders;
    private final Map<String, Object> backendOptions;
    private final Map<String, ModelBackend<?>> backends = new ConcurrentHashMap<>();
    private final Map<String, PluginFailure> failedBackends = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> algorithmParameters = new ConcurrentHashMap<>();

    /** {@code kind/name} of names two providers claim, with the message a run using it fails with. */
    private final Map<String, String> clashes;

    PluginRegistry(List<PluginInfo> found, List<PluginFailure> failures, List<PluginClassLoader> loaders,
                   Map<String, Object> backendOptions) {
        this(found, failures, loaders, backendOptions, Map.of());
    }

    PluginRegistry(List<PluginInfo> found, List<PluginFailure> failures, List<PluginClassLoader> loaders,
                   Map<String, Object> backendOptions, Map<String, String> clashes) {
        this.clashes = Map.copyOf(clashes);
        for (PluginKind kind : PluginKind.values()) {
            byKind.put(kind, new TreeMap<>());
        }
        for (PluginInfo p : found) {
            byKind.get(p.kind()).put(p.name(), p);
        }
        this.failures = Collections.synchronizedList(new ArrayList<>(failures));
        this.loaders = List.copyOf(loaders);
        this.backendOptions = Map.copyOf(backendOptions);
    }

    /** The class loaders of the plugin folders (for services other than the four plugin kinds, e.g. evaluation executors). */
    public List<ClassLoader> classLoaders() {
        return List.copyOf(loaders);
    }

    /**
     * Fails when two providers claim this name: a run that uses it must not depend on which one the
     * class path happens to list first.
     *
     * @throws Pot4jException {@code DUPLICATE_PLUGIN}
     */
    public void requireUnambiguous(PluginKind kind, String name) {
        String clash = clashes.get(kind + "/" + name);
        if (clash != null) {
            throw new Pot4jException(ErrorCode.DUPLICATE_PLUGIN, clash);
        }
    }

    /** Names of a kind that two providers claim. */
    public Set<String> clashingNames(PluginKind kind) {
        Set<String> out = new TreeSet<>();
        clashes.keySet().stream().filter(k -> k.startsWith(kind + "/")).forEach(k -> out.add(k.substring(kind.toString().length() + 1)));
        return out;
    }

    /** Every discovered provider, by kind then name. */
    public List<PluginInfo> plugins() {
        List<PluginInfo> all = new ArrayList<>();
        byKind.values().forEach(m -> all.addAll(m.values()));
        return all;
    }

    /** The discovered providers of one kind, sorted by name. */
    public List<PluginInfo> plugins(PluginKind kind) {
        return List.copyOf(byKind.get(kind).values());
    }

    /** Names of the discovered providers of one kind, sorted. */
    public Set<String> names(PluginKind kind) {
        return Collections.unmodifiableSet(new TreeSet<>(byKind.get(kind).keySet()));
    }

    /** The provider of a kind by name. */
    public Optional<PluginInfo> find(PluginKind kind, String name) {
        return Optional.ofNullable(byKind.get(kind).get(name));
    }

    /** Providers that failed to load, and backends that failed to start, in the order it happened. */
    public List<PluginFailure> failures() {
        synchronized (failures) {
            return List.copyOf(failures);
        }
    }

    /** Backend providers by name. */
    public Map<String, ModelBackendProvider> backendProviders() {
        return typed(PluginKind.BACKEND, ModelBackendProvider.class);
    }

    /** Metric providers by name. */
    public Map<String, MetricProvider> metricProviders() {
        return typed(PluginKind.METRIC, MetricProvider.class);
    }

    /** Algorithm providers by name. */
    public Map<String, QuantizationAlgorithmProvider> algorithmProviders() {
        return typed(PluginKind.ALGORITHM, QuantizationAlgorithmProvider.class);
    }

    /** Dataset providers by type name. */
    public Map<String, DatasetProvider> datasetProviders() {
        return typed(PluginKind.DATASET, DatasetProvider.class);
    }

    private <T> Map<String, T> typed(PluginKind kind, Class<T> type) {
        Map<String, T> out = new TreeMap<>();
        byKind.get(kind).forEach((name, info) -> out.put(name, type.cast(info.provider())));
        return Collections.unmodifiableMap(out);
    }

    /**
     * The started backend of that name, creating it on first use.
     *
     * @throws Pot4jException {@code NO_BACKEND} when none is installed under that name,
     *                        {@code PLUGIN_LOAD_FAILED} when it cannot start (e.g. a native
     *                        library is missing)
     */
    public ModelBackend<?> backend(String name) {
        requireUnambiguous(PluginKind.BACKEND, name);
        PluginInfo info = byKind.get(PluginKind.BACKEND).get(name);
        if (info == null) {
            throw new Pot4jException(ErrorCode.NO_BACKEND, "backend '" + name + "' is not installed"
                    + Suggestions.didYouMean(name, names(PluginKind.BACKEND)) + "; installed backends: "
                    + names(PluginKind.BACKEND) + "; install backend-" + name + " into plugins/");
        }
        ModelBackend<?> started = backends.get(name);
        if (started != null) {
            return started;
        }
        synchronized (this) {
            started = backends.get(name);
            if (started != null) {
                return started;
            }
            PluginFailure failed = failedBackends.get(name);
            if (failed == null) {
                ModelBackendProvider<?> provider = (ModelBackendProvider<?>) info.provider();
                // bound before starting: a bad option is the caller's error, not a plugin failure
                Record options = backendOptions.isEmpty() ? null
                        : ParamBinder.bind(backendOptions, provider.loadOptions(), "backend '" + name + "'", "backend options");
                try {
                    @SuppressWarnings("unchecked")
                    ModelBackendProvider<Record> typed = (ModelBackendProvider<Record>) provider;
                    started = typed.create(options);
                    if (started == null) {
                        throw new IllegalStateException("create() returned null");
                    }
                    backends.put(name, started);
                    return started;
                } catch (ServiceConfigurationError | LinkageError | RuntimeException e) {
                    failed = new PluginFailure(info.source(), PluginKind.BACKEND, name,
                            "cannot start: " + PluginDiscovery.reason(e), e);
                    failedBackends.put(name, failed);
                    PluginDiscovery.fail(failures, failed);
                }
            }
            throw new Pot4jException(ErrorCode.PLUGIN_LOAD_FAILED, "backend '" + name + "' from "
                    + info.source().describe() + " " + failed.reason(), failed.cause());
        }
    }

    /** The backend, or empty when it is not installed or cannot start (the failure is recorded). */
    public Optional<ModelBackend<?>> tryBackend(String name) {
        try {
            return Optional.of(backend(name));
        } catch (Pot4jException e) {
            return Optional.empty();
        }
    }

    /** Why a backend could not start, when it was tried and failed. */
    public Optional<PluginFailure> backendFailure(String name) {
        return Optional.ofNullable(failedBackends.get(name));
    }

    /**
     * The parameter names of an installed algorithm (asks a fresh instance once, then caches).
     *
     * @throws Pot4jException {@code UNKNOWN_ALGORITHM} when it is not installed
     */
    public Set<String> algorithmParameters(String name) {
        PluginInfo info = byKind.get(PluginKind.ALGORITHM).get(name);
        if (info == null) {
            throw unknownAlgorithm(name);
        }
        return algorithmParameters.computeIfAbsent(name, n -> {
            Set<String> p = ((QuantizationAlgorithmProvider) info.provider()).create().parameterNames();
            return Collections.unmodifiableSet(new TreeSet<>(p));
        });
    }

    /** The error for an algorithm name nobody provides. */
    public Pot4jException unknownAlgorithm(String name) {
        return new Pot4jException(ErrorCode.UNKNOWN_ALGORITHM, "algorithm '" + name + "' is not installed"
                + Suggestions.didYouMean(name, names(PluginKind.ALGORITHM)) + "; installed algorithms: "
                + names(PluginKind.ALGORITHM));
    }

    /**
     * A snapshot for {@code pot4j plugins}: every provider with version, source and, for backends,
     * capabilities (which starts each backend once).
     */
    public PluginReport report() {
        List<PluginReport.Entry> entries = new ArrayList<>();
        for (PluginInfo p : plugins()) {
            Set<String> caps = Set.of();
            String status = "ok";
            if (p.kind() == PluginKind.BACKEND) {
                Optional<ModelBackend<?>> b = tryBackend(p.name());
                if (b.isPresent()) {
                    caps = capabilities(b.get());
                } else {
                    status = "failed: " + backendFailure(p.name()).map(PluginFailure::reason).orElse("unknown");
                }
            }
            entries.add(new PluginReport.Entry(p.kind(), p.name(), p.version(), p.source().label(),
                    p.providerClass(), caps, status));
        }
        return new PluginReport(entries, failures());
    }

    private static Set<String> capabilities(ModelBackend<?> backend) {
        Set<String> caps = new TreeSet<>();
        try {
            for (BackendCapability c : backend.capabilities()) {
                caps.add(c.name());
            }
        } catch (RuntimeException e) {
            LOG.warn("backend {} failed to list its capabilities: {}", backend.name(), e.toString());
        }
        return Collections.unmodifiableSet(caps);
    }

    /** Closes the started backends and the plugin class loaders. */
    @Override
    public void close() {
        for (ModelBackend<?> b : backends.values()) {
            try {
                b.close();
            } catch (RuntimeException e) {
                LOG.warn("closing backend {} failed: {}", b.name(), e.toString());
            }
        }
        backends.clear();
        for (PluginClassLoader l : loaders) {
            try {
                l.close();
            } catch (IOException e) {
                LOG.debug("closing {} failed", l.getName(), e);
            }
        }
    }
}
