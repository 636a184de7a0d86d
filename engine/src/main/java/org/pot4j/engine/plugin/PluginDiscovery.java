package org.pot4j.engine.plugin;

import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.model.ModelBackendProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds providers with {@link ServiceLoader}: over the given class loader (the class path) and over
 * each plugin under the plugin folders, where every sub-folder (all {@code *.jar} inside it, at any
 * depth) and every jar lying directly in the folder is one plugin with its own
 * {@link PluginClassLoader}.
 *
 * <p>Like SLF4J 2's provider loading, a provider that cannot be loaded (missing class, linkage
 * error, throwing constructor, throwing {@code name()}) is logged at WARN, recorded as a
 * {@link PluginFailure} and skipped; discovery itself never fails for it. Two providers of one
 * kind with one name clash: the name is reported by {@code pot4j plugins} and fails
 * ({@code DUPLICATE_PLUGIN}) only in a run that uses it.
 */
public final class PluginDiscovery {
    private static final Logger LOG = LoggerFactory.getLogger(PluginDiscovery.class);
    private static final Pattern PROVIDER_IN_MESSAGE = Pattern.compile("Provider ([\\w.$]+)");
    /** Guard against a ServiceLoader iterator that keeps failing at the same place. */
    private static final int MAX_CONSECUTIVE_ERRORS = 100;

    private final ClassLoader classpath;
    private final List<Path> pluginDirs;

    /**
     * @param classpath  loader whose services count as "classpath"
     * @param pluginDirs folders holding plugins; each must exist
     */
    public PluginDiscovery(ClassLoader classpath, List<Path> pluginDirs) {
        this.classpath = classpath;
        this.pluginDirs = List.copyOf(pluginDirs);
    }

    /**
     * Runs discovery.
     *
     * @throws Pot4jException {@code FILE_NOT_FOUND} for a missing plugin folder
     */
    public PluginRegistry discover(Map<String, Object> backendOptions) {
        List<PluginInfo> found = new ArrayList<>();
        List<PluginFailure> failures = new ArrayList<>();
        List<PluginClassLoader> loaders = new ArrayList<>();
        Map<String, String> clashes;
        try {
            scan(PluginSource.CLASSPATH, classpath, found, failures);
            for (Path dir : pluginDirs) {
                for (Map.Entry<PluginSource, List<Path>> plugin : pluginsIn(dir, failures).entrySet()) {
                    PluginClassLoader loader = open(plugin.getKey(), plugin.getValue(), failures);
                    if (loader != null) {
                        loaders.add(loader);
                        scan(plugin.getKey(), loader, found, failures);
                    }
                }
            }
            clashes = separateClashes(found, failures);
        } catch (RuntimeException e) {
            loaders.forEach(PluginDiscovery::closeQuietly);
            throw e;
        }
        for (PluginInfo p : found) {
            LOG.debug("found {} '{}' {} from {}", p.kind().label(), p.name(), p.version(), p.source());
        }
        return new PluginRegistry(found, failures, loaders, backendOptions, clashes);
    }

    /** The plugins of one folder, by source, each with its jars (sorted for a stable order). */
    private static Map<PluginSource, List<Path>> pluginsIn(Path dir, List<PluginFailure> failures) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new Pot4jException(ErrorCode.FILE_NOT_FOUND, "plugins folder " + dir.toAbsolutePath().normalize()
                    + " is a file, not a folder; give the folder that holds the plugin jars");
        }
        if (!Files.isDirectory(dir)) {
            throw new Pot4jException(ErrorCode.FILE_NOT_FOUND, "plugins folder " + dir.toAbsolutePath().normalize()
                    + " does not exist; create it or leave it out");
        }
        Map<PluginSource, List<Path>> plugins = new LinkedHashMap<>();
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path entry : entries.sorted().toList()) {
                String name = entry.getFileName().toString();
                if (Files.isDirectory(entry)) {
                    List<Path> jars = jarsUnder(entry);
                    if (jars.isEmpty()) {
                        LOG.debug("plugin folder {} holds no jar; ignored", entry);
                        continue;
                    }
                    plugins.put(new PluginSource("plugins/" + name, entry), jars);
                } else if (name.endsWith(".jar")) {
                    plugins.put(new PluginSource("plugins/" + name, entry), List.of(entry));
                }
            }
        } catch (IOException e) {
            throw new Pot4jException(ErrorCode.IO_FAILURE, "cannot list plugins folder " + dir + ": " + e.getMessage(), e);
        }
        return plugins;
    }

    private static List<Path> jarsUnder(Path folder) throws IOException {
        try (Stream<Path> walk = Files.walk(folder)) {
            return walk.filter(p -> Files.isRegularFile(p) && p.getFileName().toString().endsWith(".jar"))
                    .sorted(Comparator.comparing(Path::toString)).toList();
        }
    }

    /** A class loader over the plugin's jars, or null (failure recorded) when a jar is unreadable. */
    private PluginClassLoader open(PluginSource source, List<Path> jars, List<PluginFailure> failures) {
        URL[] urls = new URL[jars.size()];
        for (int i = 0; i < urls.length; i++) {
            Path jar = jars.get(i);
            try (JarFile ignored = new JarFile(jar.toFile())) {
                urls[i] = jar.toUri().toURL();
            } catch (IOException | SecurityException e) {
                fail(failures, new PluginFailure(source, null, null,
                        "unreadable jar " + jar.getFileName() + " (" + e.getMessage() + "); plugin skipped", e));
                return null;
            }
        }
        // parent = the loader that has pot4j-api, so plugin and engine share the SPI types
        return new PluginClassLoader("pot4j-plugin:" + source.label(), urls, ModelBackendProvider.class.getClassLoader());
    }

    private static void scan(PluginSource source, ClassLoader loader, List<PluginInfo> found,
                             List<PluginFailure> failures) {
        for (PluginKind kind : PluginKind.values()) {
            Iterator<?> it = ServiceLoader.load(kind.spi(), loader).iterator();
            int consecutiveErrors = 0;
            while (consecutiveErrors < MAX_CONSECUTIVE_ERRORS) {
                Object provider;
                try {
                    if (!it.hasNext()) {
                        break;
                    }
                    provider = it.next();
                } catch (ServiceConfigurationError | LinkageError | RuntimeException e) {
                    consecutiveErrors++;
                    fail(failures, new PluginFailure(source, kind, providerIn(e), reason(e), e));
                    continue;
                }
                consecutiveErrors = 0;
                describe(source, kind, provider, failures).ifPresent(found::add);
            }
        }
    }

    /** Asks the provider its name and version; a provider that throws here is skipped too. */
    private static java.util.Optional<PluginInfo> describe(PluginSource source, PluginKind kind, Object provider,
                                                           List<PluginFailure> failures) {
        try {
            String name = kind.nameOf(provider);
            if (name == null || name.isBlank()) {
                throw new IllegalStateException("name() returned " + (name == null ? "null" : "a blank name"));
            }
            kind.checkSpi(provider);
            return java.util.Optional.of(new PluginInfo(kind, name, kind.versionOf(provider), source, provider));
        } catch (LinkageError | RuntimeException e) {
            fail(failures, new PluginFailure(source, kind, provider.getClass().getName(), reason(e), e));
            return java.util.Optional.empty();
        }
    }

    /**
     * Two providers of one kind with one name (two plugins, or a plugin named like a built-in):
     * which one would win depends on the class path order, so the name is unusable. The first one
     * found stays listed, the clash is recorded as a failure (shown by {@code pot4j plugins}) and
     * returned by {@code kind/name}; only a run that uses the name fails ({@code DUPLICATE_PLUGIN}).
     */
    private static Map<String, String> separateClashes(List<PluginInfo> found, List<PluginFailure> failures) {
        Map<String, PluginInfo> seen = new LinkedHashMap<>();
        Map<String, String> clashes = new LinkedHashMap<>();
        for (java.util.Iterator<PluginInfo> it = found.iterator(); it.hasNext(); ) {
            PluginInfo p = it.next();
            String key = p.kind() + "/" + p.name();
            PluginInfo first = seen.putIfAbsent(key, p);
            if (first != null) {
                it.remove();
                String message = "two " + p.kind().label() + " plugins are named '" + p.name() + "': "
                        + first.providerClass() + " from " + first.source().describe() + " and " + p.providerClass()
                        + " from " + p.source().describe() + "; remove or rename one of them";
                clashes.merge(key, message, (a, b) -> a + "; " + b);
                fail(failures, new PluginFailure(p.source(), p.kind(), p.providerClass(),
                        "name clash: " + message + " (runs that use '" + p.name() + "' fail until then)", null));
            }
        }
        return clashes;
    }

    static void fail(List<PluginFailure> failures, PluginFailure failure) {
        failures.add(failure);
        LOG.warn("pot4j: skipping {}", failure.describe());
    }

    /** The provider class named in a ServiceConfigurationError message, when there is one. */
    private static String providerIn(Throwable e) {
        Matcher m = PROVIDER_IN_MESSAGE.matcher(String.valueOf(e.getMessage()));
        return m.find() ? m.group(1) : null;
    }

    /** One line: the error and, when it wraps one, the root cause. */
    static String reason(Throwable e) {
        StringBuilder sb = new StringBuilder(simple(e));
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root != e) {
            sb.append(" (caused by ").append(simple(root)).append(')');
        }
        return sb.toString();
    }

    private static String simple(Throwable t) {
        String msg = t.getMessage();
        if (t instanceof ServiceConfigurationError && msg != null) {
            return msg;
        }
        return t.getClass().getSimpleName() + (msg == null ? "" : ": " + msg);
    }

    private static void closeQuietly(PluginClassLoader loader) {
        try {
            loader.close();
        } catch (IOException e) {
            LOG.debug("closing {} failed", loader.getName(), e);
        }
    }
}
