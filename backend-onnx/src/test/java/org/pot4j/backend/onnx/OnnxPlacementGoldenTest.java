package org.pot4j.backend.onnx;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.ModelBackend;
import org.pot4j.backend.onnx.proto.OnnxProtos.ModelProto;
import org.pot4j.testkit.PlacementGolden;

/**
 * The quantizable nodes of every ONNX fixture equal the committed golden lists (recorded before the
 * placement moved out of the backend, issue 13), field by field.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OnnxPlacementGoldenTest {
    private static final Path GOLDEN = Path.of("src", "test", "resources", "placement-golden");
    private ModelBackend<OnnxLoadOptions> backend;

    @BeforeAll
    void start() {
        backend = new OnnxBackendProvider().create(null);
    }

    @AfterAll
    void stop() {
        backend.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"mnist-lenet/lenet.onnx", "mnist-resnet/resnet.onnx", "residual-cnn-13-8", "residual-cnn-11-4",
            "matmul-net", "embedding-net", "conv-batchnorm", "modern-blocks", "detection-head"})
    void nodesEqualTheGoldenList(String name) {
        Path file = name.endsWith(".onnx") ? OnnxFixtures.example(name) : OnnxFixtures.file("golden-" + name + ".onnx", fixture(name));
        try (Model m = backend.load(file)) {
            PlacementGolden.assertMatches(GOLDEN.resolve(name.replace('/', '_') + ".txt"), m.quantizableNodes());
        }
    }

    private static ModelProto fixture(String name) {
        return switch (name) {
            case "residual-cnn-13-8" -> OnnxTestModels.residualCnn(13, 8);
            case "residual-cnn-11-4" -> OnnxTestModels.residualCnn(11, 4);
            case "matmul-net" -> OnnxTestModels.matMulNet();
            case "embedding-net" -> OnnxTestModels.embeddingNet();
            case "conv-batchnorm" -> OnnxTestModels.convBatchNorm();
            case "modern-blocks" -> OnnxTestModels.modernBlocks();
            case "detection-head" -> OnnxTestModels.detectionHead();
            default -> throw new IllegalArgumentException(name);
        };
    }
}
