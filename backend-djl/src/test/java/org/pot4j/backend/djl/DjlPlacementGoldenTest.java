package org.pot4j.backend.djl;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.ModelBackend;
import org.pot4j.testkit.PlacementGolden;

/**
 * The quantizable nodes of every TorchScript fixture equal the committed golden lists (recorded
 * before the placement moved out of the backend, issue 13), field by field.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DjlPlacementGoldenTest {
    private static final Path GOLDEN = Path.of("src", "test", "resources", "placement-golden");
    private static final DjlLoadOptions MNIST = DjlLoadOptions.inputShapes(List.of(List.of(-1, 1, 28, 28)));
    private ModelBackend<DjlLoadOptions> backend;

    @BeforeAll
    void start() {
        backend = new DjlBackendProvider().create(null);
    }

    @AfterAll
    void stop() {
        backend.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"mnist-lenet/lenet.pt", "mnist-resnet/resnet.pt", "tiny_cnn.pt", "tiny_scripted.pt",
            "tiny_scripted_loop.pt"})
    void nodesEqualTheGoldenList(String name) {
        Path file = name.contains("/") ? Path.of("..", "examples").resolve(name) : DjlTorchScriptTest.DIR.resolve(name);
        DjlLoadOptions options = name.contains("/") || name.equals("tiny_scripted.pt") ? MNIST
                : name.equals("tiny_scripted_loop.pt") ? DjlLoadOptions.inputShapes(List.of(List.of(-1, 4))) : null;
        try (Model m = backend.load(file, options)) {
            PlacementGolden.assertMatches(GOLDEN.resolve(name.replace('/', '_') + ".txt"), m.quantizableNodes());
        }
    }
}
