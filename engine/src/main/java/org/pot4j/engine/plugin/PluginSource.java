package org.pot4j.engine.plugin;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a provider came from: the application class path or one plugin (a folder under
 * {@code plugins/}, or a single jar lying directly in it).
 *
 * @param label    short name for tables and messages: {@code classpath} or {@code plugins/<name>}
 * @param location the plugin folder or jar, null for the class path
 */
public record PluginSource(String label, Path location) {
    /** The application class path (or the class loader given to the builder). */
    public static final PluginSource CLASSPATH = new PluginSource("classpath", null);

    /** Validates. */
    public PluginSource {
        Objects.requireNonNull(label, "label");
    }

    /** True for the application class path. */
    public boolean isClasspath() {
        return location == null;
    }

    /** The label, plus the full location for plugins, for error messages. */
    public String describe() {
        return location == null ? label : label + " (" + location.toAbsolutePath().normalize() + ")";
    }

    @Override
    public String toString() {
        return label;
    }
}
