package org.pot4j.engine.plugin.testlib;

/**
 * A "library" on the engine's class path. Plugins in {@code PluginIsolationTest} bundle their own
 * versions of this class; with child-first plugin loaders each must see its own.
 */
public final class LibVersion {
    /** The version this copy of the library reports (a method: a constant would be inlined into callers). */
    public static String version() {
        return "classpath";
    }

    private LibVersion() {
    }
}
