package org.pot4j.backend.tensorflow;

import org.pot4j.testkit.MnistFixture;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.ModelBackend;
import org.pot4j.testkit.PlacementGolden;

/**
 * The quantizable nodes of every TensorFlow fixture equal the committed golden lists (recorded before
 * the placement moved out of the backend, issue 13), field by field.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TfPlacementGoldenTest {
    private static final Path GOLDEN = Path.of("src", "test", "resources", "placement-golden");
    private ModelBackend<TfLoadOptions> backend;

    @TempDir
    Path tmp;

    @BeforeAll
    void start() {
        backend = new TfBackendProvider().create(null);
    }

    @AfterAll
    void stop() {
        backend.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"mnist-lenet/lenet_savedmodel", "mnist-lenet/lenet_frozen.pb", "mnist-resnet/resnet_savedmodel",
            "keras_export", "small_cnn", "small_cnn.pb", "bn.pb", "biased_bn.pb"})
    void nodesEqualTheGoldenList(String name) {
        try (Model m = backend.load(fixture(name))) {
            PlacementGolden.assertMatches(GOLDEN.resolve(name.replace('/', '_') + ".txt"), m.quantizableNodes());
        }
    }

    private Path fixture(String name) {
        return switch (name) {
            case "keras_export" -> Path.of("src", "test", "resources", "keras_export", "model");
            case "small_cnn" -> TfTestModels.savedModel(tmp.resolve("small_cnn"));
            case "small_cnn.pb" -> TfTestModels.frozenGraph(tmp.resolve("small_cnn.pb"));
            case "bn.pb" -> TfTestModels.batchNormGraph(tmp.resolve("bn.pb"));
            case "biased_bn.pb" -> TfTestModels.biasedConvBatchNormGraph(tmp.resolve("biased_bn.pb"));
            default -> MnistFixture.examples().resolve(name);
        };
    }
}
