package org.pot4j.engine.plugin;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.pot4j.api.model.ModelBackendProvider;
import org.pot4j.api.model.ModelFileKind;

/**
 * Which backend a model file is for, from the file kinds the backends declare
 * ({@link ModelBackendProvider#fileKinds()}, answered without starting a runtime). Backends whose
 * kinds match are asked first; when none is installed, the catalog of the plugins pot4j ships
 * ({@code known-backends.properties}) names the one to install.
 */
public final class BackendFileKinds {
    private static final Map<String, List<ModelFileKind>> KNOWN = load();

    private BackendFileKinds() {
    }

    /**
     * The backend {@code path} is for: the first installed provider (by name) whose declared suffix
     * matches, else the first whose folder kind matches, else the shipped plugin whose kinds match,
     * else null.
     */
    public static String backendFor(Path path, Map<String, ModelBackendProvider> installed) {
        Map<String, List<ModelFileKind>> declared = new TreeMap<>();
        installed.forEach((name, p) -> declared.put(name, p.fileKinds()));
        String found = match(path, declared);
        return found != null ? found : match(path, KNOWN);
    }

    /** The shipped plugins' file kinds (the catalog), by backend name. */
    public static Map<String, List<ModelFileKind>> shipped() {
        return KNOWN;
    }

    private static String match(Path path, Map<String, List<ModelFileKind>> kinds) {
        for (boolean folders : new boolean[] {false, true}) {
            for (Map.Entry<String, List<ModelFileKind>> e : kinds.entrySet()) {
                for (ModelFileKind k : e.getValue()) {
                    ModelFileKind probe = folders ? new ModelFileKind(k.description(), List.of(), k.folder())
                            : new ModelFileKind(k.description(), k.suffixes(), false);
                    if (probe.matches(path)) {
                        return e.getKey();
                    }
                }
            }
        }
        return null;
    }

    private static Map<String, List<ModelFileKind>> load() {
        Properties p = new Properties();
        try (InputStream in = BackendFileKinds.class.getResourceAsStream("known-backends.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, List<ModelFileKind>> out = new LinkedHashMap<>();
        for (String name : new TreeMap<>(p).keySet().stream().map(String::valueOf).toList()) {
            List<String> suffixes = new ArrayList<>();
            boolean folder = false;
            for (String s : p.getProperty(name).split(",")) {
                if (s.trim().equals("/")) {
                    folder = true;
                } else if (!s.isBlank()) {
                    suffixes.add(s.trim());
                }
            }
            out.put(name, List.of(new ModelFileKind("backend-" + name + " model", suffixes, folder)));
        }
        return java.util.Collections.unmodifiableMap(out);
    }
}
