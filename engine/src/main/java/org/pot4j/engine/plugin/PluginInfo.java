package org.pot4j.engine.plugin;

import java.util.Objects;

/**
 * One discovered provider.
 *
 * @param kind     what it provides
 * @param name     the name configs use
 * @param version  the provider's version (or its jar's Implementation-Version, or {@code unknown})
 * @param source   where it was found
 * @param provider the provider instance (a {@code ModelBackendProvider}, {@code MetricProvider}, ...)
 */
public record PluginInfo(PluginKind kind, String name, String version, PluginSource source, Object provider) {
    /** Validates. */
    public PluginInfo {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(provider, "provider");
        if (!kind.spi().isInstance(provider)) {
            throw new IllegalArgumentException(provider.getClass().getName() + " is not a " + kind.spi().getName());
        }
    }

    /** The provider class name. */
    public String providerClass() {
        return provider.getClass().getName();
    }
}
