package org.pot4j.engine.testplugins;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.model.BackendCapability;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.ModelBackend;
import org.pot4j.api.model.ModelBackendProvider;
import org.pot4j.api.param.Range;
import org.pot4j.engine.config.JsonFiles;

/**
 * A pure-Java test backend ({@code textmlp}) for engine wiring tests: a {@code .tmlp} file is a
 * JSON description {@code {"seed", "in", "hidden", "out"}} of the seeded 2-layer MLP of
 * {@link org.pot4j.engine.testing.JavaMlpModel}, which runs plans exactly as a QDQ runtime would.
 * Registered on the test class path through META-INF/services.
 */
public final class TextMlpBackendProvider implements ModelBackendProvider<TextMlpBackendProvider.Options> {
    /** Backend name. */
    public static final String NAME = "textmlp";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String version() {
        return "test";
    }

    /**
     * The load options: {@code threads} only (the engine's {@code engine.threads}, recorded in a saved model).
     *
     * @param threads the thread count, null when not given
     */
    public record Options(@Range(min = 1) Integer threads) {
        Map<String, Object> asMap() {
            return threads == null ? Map.of() : Map.of("threads", threads);
        }
    }

    @Override
    public Class<Options> loadOptions() {
        return Options.class;
    }

    @Override
    public ModelBackend<Options> create(Options options) {
        return new ModelBackend<>() {
            @Override
            public String name() {
                return NAME;
            }

            @Override
            public Set<BackendCapability> capabilities() {
                return EnumSet.of(BackendCapability.PER_CHANNEL_WEIGHTS, BackendCapability.ACTIVATION_QUANTIZATION,
                        BackendCapability.BIAS_CORRECTION, BackendCapability.INTERMEDIATE_OUTPUTS);
            }

            @Override
            public boolean accepts(Path path) {
                return path.getFileName().toString().endsWith(".tmlp");
            }

            @Override
            public Model load(Path path, Options opts) {
                JsonNode spec;
                try {
                    spec = JsonFiles.mapper().readTree(Files.readString(path));
                } catch (IOException e) {
                    throw new Pot4jException(ErrorCode.MODEL_CORRUPT, path + " is not a textmlp model: " + e.getMessage(), e);
                }
                if (!spec.has("in") || !spec.has("hidden") || !spec.has("out")) {
                    throw new Pot4jException(ErrorCode.MODEL_CORRUPT, path + " needs in, hidden and out");
                }
                return new TextMlpModel(path, spec, opts == null ? Map.of() : opts.asMap());
            }
        };
    }

    /** Writes a model file. */
    public static Path write(Path file, long seed, int in, int hidden, int out) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, "{\"seed\": " + seed + ", \"in\": " + in + ", \"hidden\": " + hidden + ", \"out\": " + out + "}");
        return file;
    }
}
