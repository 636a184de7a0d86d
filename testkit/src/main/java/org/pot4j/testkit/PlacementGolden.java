package org.pot4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.ServiceLoader;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.ModelBackend;
import org.pot4j.api.model.ModelBackendProvider;
import org.pot4j.api.model.QuantizableNode;

/**
 * Golden quantizable-node lists: every field of every {@link QuantizableNode} of a model, one line
 * per node, compared with a file committed in the backend's test resources. The placement redesign
 * (issue 13) must leave these lists unchanged; a deliberate placement change re-records them with
 * {@code -Dpot4j.recordGolden=true} and the diff shows in review what moved.
 */
public final class PlacementGolden {
    private PlacementGolden() {
    }

    /** One line per node, every field. */
    public static String render(List<QuantizableNode> nodes) {
        StringBuilder sb = new StringBuilder();
        for (QuantizableNode n : nodes) {
            sb.append(n.id()).append(" | ").append(n.opType())
                    .append(" | in=").append(n.activationInputs())
                    .append(" | out=").append(n.activationOutputs())
                    .append(" | w=").append(n.weightName()).append(' ').append(Arrays.toString(n.weightShape()))
                    .append(" axis ").append(n.weightChannelAxis())
                    .append(" | b=").append(n.biasName())
                    .append(" | o=").append(n.outputName()).append(" axis ").append(n.outputChannelAxis())
                    .append('\n');
        }
        return sb.toString();
    }

    /**
     * Asserts that {@code nodes} render as {@code golden}; records the file instead when it does not
     * exist yet or {@code pot4j.recordGolden} is true.
     */
    public static void assertMatches(Path golden, List<QuantizableNode> nodes) {
        String got = render(nodes);
        try {
            if (Boolean.getBoolean("pot4j.recordGolden") || !Files.exists(golden)) {
                Files.createDirectories(golden.toAbsolutePath().getParent());
                Files.writeString(golden, got, StandardCharsets.UTF_8);
                return;
            }
            assertEquals(Files.readString(golden, StandardCharsets.UTF_8), got, "quantizable nodes differ from " + golden);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Prints the node list of each model given as {@code backend=path} (backends found by
     * {@link ServiceLoader} on the class path): for models too large to commit as test fixtures,
     * e.g. the distribution's MiniLM, run before and after a placement change and compared.
     */
    public static void main(String[] args) {
        for (String a : args) {
            int eq = a.indexOf('=');
            String name = a.substring(0, eq);
            Path path = Path.of(a.substring(eq + 1));
            ModelBackendProvider provider = ServiceLoader.load(ModelBackendProvider.class).stream()
                    .map(ServiceLoader.Provider::get).filter(p -> p.name().equals(name)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no backend " + name));
            try (ModelBackend<?> b = provider.create(null); Model m = b.load(path)) {
                System.out.println("# " + path.getFileName());
                System.out.print(render(m.quantizableNodes()));
            }
        }
    }
}
