package org.pot4j.engine.plugin;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.Enumeration;

/**
 * The class loader of one plugin. Classes delegate parent-first, so the plugin shares the
 * {@code org.pot4j.api} types with the engine; but {@code META-INF/services} files are looked up in
 * the plugin's own jars only, so a {@link java.util.ServiceLoader} over this loader finds just this
 * plugin's providers and not the class path ones again.
 */
final class PluginClassLoader extends URLClassLoader {
    private static final String SERVICES = "META-INF/services/";

    static {
        registerAsParallelCapable();
    }

    PluginClassLoader(String name, URL[] jars, ClassLoader parent) {
        super(name, jars, parent);
    }

    @Override
    public Enumeration<URL> getResources(String name) throws IOException {
        if (name.startsWith(SERVICES)) {
            return findResources(name);
        }
        return super.getResources(name);
    }
}
