package org.pot4j.engine.config;

import java.nio.file.Path;
import java.util.Collection;
import java.util.TreeSet;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;

/** The one-line messages for bad config keys and values, shared by the config loader and the Java API. */
public final class ConfigErrors {
    private ConfigErrors() {
    }

    /**
     * {@code CONFIG_UNKNOWN_KEY}: names the file (when there is one), the key's path, a
     * "did you mean" hint and the valid keys.
     *
     * @param file    config file, or null for Java API calls
     * @param path    the key's path, e.g. {@code engine.batch_sze}
     * @param key     the unknown key
     * @param valid   the keys allowed there
     * @param context what the keys belong to, e.g. {@code "algorithm 'DefaultQuantization'"}, may be null
     */
    public static Pot4jException unknownKey(Path file, String path, String key, Collection<String> valid,
                                            String context) {
        return new Pot4jException(ErrorCode.CONFIG_UNKNOWN_KEY, where(file) + "unknown key '" + key + "' at " + path
                + (context == null ? "" : " (" + context + ")") + Suggestions.didYouMean(key, valid)
                + "; valid keys: " + new TreeSet<>(valid));
    }

    /** {@code CONFIG_INVALID}: the value at {@code path} is not what is expected. */
    public static Pot4jException invalid(Path file, String path, String problem) {
        return new Pot4jException(ErrorCode.CONFIG_INVALID, where(file) + path + " " + problem);
    }

    static String where(Path file) {
        return file == null ? "" : file + ": ";
    }
}
