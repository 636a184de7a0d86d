package org.pot4j.engine.plugin;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;

/**
 * The class loader of one plugin: child-first, as Trino's plugin loader, so a backend plugin carries
 * its own versions of protobuf, TensorFlow or DJL whatever the class path holds. Only the types
 * the plugin and the engine must share are delegated parent-first: the JDK, the pot4j SPI
 * ({@code org.pot4j.api}) and SLF4J (one logging binding for the process).
 *
 * <p>{@code META-INF/services} files are looked up in the plugin's own jars only, so a
 * {@link java.util.ServiceLoader} over this loader finds just this plugin's providers and not the
 * class path ones again.
 */
final class PluginClassLoader extends URLClassLoader {
    private static final String SERVICES = "META-INF/services/";
    /** Packages resolved by the parent first: shared types must have one {@code Class} object. */
    private static final List<String> PARENT_FIRST = List.of("java.", "javax.", "jdk.", "sun.", "com.sun.",
            "org.pot4j.api.", "org.slf4j.");

    static {
        registerAsParallelCapable();
    }

    PluginClassLoader(String name, URL[] jars, ClassLoader parent) {
        super(name, jars, parent);
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (parentFirst(name)) {
            return super.loadClass(name, resolve);
        }
        synchronized (getClassLoadingLock(name)) {
            Class<?> c = findLoadedClass(name);
            if (c == null) {
                try {
                    c = findClass(name);
                } catch (ClassNotFoundException notInPlugin) {
                    c = getParent().loadClass(name);
                }
            }
            if (resolve) {
                resolveClass(c);
            }
            return c;
        }
    }

    @Override
    public URL getResource(String name) {
        if (parentFirst(name.replace('/', '.'))) {
            return super.getResource(name);
        }
        URL own = findResource(name);
        return own != null ? own : getParent().getResource(name);
    }

    @Override
    public Enumeration<URL> getResources(String name) throws IOException {
        if (name.startsWith(SERVICES)) {
            return findResources(name);
        }
        if (parentFirst(name.replace('/', '.'))) {
            return super.getResources(name);
        }
        List<URL> all = new ArrayList<>(Collections.list(findResources(name)));
        all.addAll(Collections.list(getParent().getResources(name)));
        return Collections.enumeration(all);
    }

    private static boolean parentFirst(String name) {
        for (String prefix : PARENT_FIRST) {
            if (name.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }
}
