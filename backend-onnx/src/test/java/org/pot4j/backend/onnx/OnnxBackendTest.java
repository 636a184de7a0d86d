package org.pot4j.backend.onnx;

import java.nio.file.Path;
import java.util.Map;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.model.ModelBackendProvider;
import org.pot4j.testkit.AbstractModelBackendTest;

/** The testkit conformance suite on a residual CNN built in Java (Conv, Relu, residual Add, MaxPool, GAP, Gemm). */
class OnnxBackendTest extends AbstractModelBackendTest {
    @Override
    protected ModelBackendProvider provider() {
        return new OnnxBackendProvider();
    }

    @Override
    protected Path fixtureModel() {
        return OnnxFixtures.residualCnn();
    }

    @Override
    protected Dataset fixtureDataset() {
        return OnnxTestData.randomImages(8, OnnxTestModels.SIDE, 1);
    }

    @Override
    protected Map<String, Tensor> referenceOutputs(Map<String, Tensor> batch) {
        return OnnxFixtures.ortReference(fixtureModel(), batch);
    }

    @Override
    protected double tolerance() {
        return 1e-5;
    }
}
