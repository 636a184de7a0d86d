package org.pot4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;

/** The checks on a CONFIG argument, each with its own reason (missing, a folder, a pipe or device). */
final class ConfigPath {
    private ConfigPath() {
    }

    static void check(Path config) {
        if (Files.isRegularFile(config)) {
            return;
        }
        if (!Files.exists(config)) {
            throw new Pot4jException(ErrorCode.FILE_NOT_FOUND, "config file " + config + " does not exist; check the path");
        }
        if (Files.isDirectory(config)) {
            List<String> candidates = configsIn(config);
            throw new Pot4jException(ErrorCode.CONFIG_INVALID, "config path " + config + " is a folder; give the config file"
                    + (candidates.isEmpty() ? " (.json, .yaml or .yml)" : ", e.g. " + String.join(" or ",
                    candidates.stream().map(c -> config.resolve(c).toString()).toList())));
        }
        throw new Pot4jException(ErrorCode.CONFIG_INVALID, "config path " + config + " is not a regular file (a pipe, socket"
                + " or device?); give a .json, .yaml or .yml file");
    }

    private static List<String> configsIn(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> {
                String l = n.toLowerCase(Locale.ROOT);
                return l.endsWith(".json") || l.endsWith(".yaml") || l.endsWith(".yml");
            }).sorted().limit(3).toList();
        } catch (IOException e) {
            return List.of();
        }
    }
}
