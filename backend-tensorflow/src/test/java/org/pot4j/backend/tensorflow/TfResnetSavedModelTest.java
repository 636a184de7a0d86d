package org.pot4j.backend.tensorflow;

import org.pot4j.testkit.MnistFixture;
import java.nio.file.Path;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.model.ModelBackendProvider;
import org.pot4j.testkit.AbstractModelBackendTest;

/**
 * The testkit conformance suite on the Keras 3 ResNet example (residual adds, padding, global
 * average pooling), with real MNIST images, and the INT8 file size limit of the issue (<= 0.3x).
 * Plain TensorFlow cannot run this SavedModel by itself (its C++ loader leaves the served
 * variables uninitialized, see {@link TfCheckpoint}), so FP32 is checked against a second load.
 */
class TfResnetSavedModelTest extends AbstractModelBackendTest {
    @Override
    protected ModelBackendProvider provider() {
        return new TfBackendProvider();
    }

    @Override
    protected Path fixtureModel() {
        return MnistFixture.examples().resolve("mnist-resnet").resolve("resnet_savedmodel");
    }

    @Override
    protected Dataset fixtureDataset() {
        return MnistFixture.read("calibration", Integer.MAX_VALUE, 28, 28, 1);
    }

    @Override
    protected double maxSavedSizeRatio() {
        return 0.3;
    }
}
