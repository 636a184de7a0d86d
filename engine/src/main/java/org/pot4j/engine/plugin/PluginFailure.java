package org.pot4j.engine.plugin;

/**
 * A provider (or plugin jar) that could not be loaded or started and was skipped.
 *
 * @param source   where it came from
 * @param kind     what it should have provided, null when the whole plugin failed (unreadable jar)
 * @param provider the provider class or backend name, or null when unknown
 * @param reason   one line saying what went wrong
 * @param cause    the underlying throwable, may be null
 */
public record PluginFailure(PluginSource source, PluginKind kind, String provider, String reason, Throwable cause) {
    /** One line for logs and tables. */
    public String describe() {
        return (kind == null ? "plugin" : kind.label() + " provider") + (provider == null ? "" : " " + provider)
                + " from " + source.describe() + ": " + reason;
    }
}
