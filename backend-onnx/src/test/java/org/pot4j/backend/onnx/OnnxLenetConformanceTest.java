package org.pot4j.backend.onnx;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.model.ModelBackendProvider;
import org.pot4j.testkit.AbstractModelBackendTest;

/** The testkit conformance suite on the bundled trained LeNet with real MNIST test images. */
class OnnxLenetConformanceTest extends AbstractModelBackendTest {
    static final String MODEL = "mnist-lenet/lenet.onnx";

    @Override
    protected ModelBackendProvider provider() {
        return new OnnxBackendProvider();
    }

    @Override
    protected Path fixtureModel() {
        Path p = OnnxFixtures.example(MODEL);
        assumeTrue(p != null, "examples/" + MODEL + " is not there yet");
        return p;
    }

    @Override
    protected Dataset fixtureDataset() {
        try {
            return OnnxFixtures.mnistTest(16);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    protected Map<String, Tensor> referenceOutputs(Map<String, Tensor> batch) {
        return OnnxFixtures.ortReference(fixtureModel(), batch);
    }

    @Override
    protected double minQuantizedCosine() {
        return 0.99;
    }

    @Override
    protected double maxSavedSizeRatio() {
        return 0.27;
    }
}
