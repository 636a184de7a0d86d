package org.pot4j.backend.tensorflow;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.model.ModelBackendProvider;
import org.pot4j.testkit.AbstractModelBackendTest;

/** The testkit conformance suite on a SavedModel built with TensorFlow Java (TF1 variables, depthwise, residual add). */
class TfSavedModelConformanceTest extends AbstractModelBackendTest {
    private final TfScratch scratch = new TfScratch();
    private Path fixture;

    @AfterAll
    void deleteFixture() {
        scratch.close();
    }

    @Override
    protected ModelBackendProvider provider() {
        return new TfBackendProvider();
    }

    @Override
    protected Path fixtureModel() {
        if (fixture == null) {
            fixture = TfTestModels.savedModel(scratch.dir().resolve("small_cnn"));
        }
        return fixture;
    }

    @Override
    protected Dataset fixtureDataset() {
        return TfTestModels.dataset();
    }

    @Override
    protected Map<String, Tensor> referenceOutputs(Map<String, Tensor> batch) {
        return TfTestModels.runPlain(fixtureModel(), TfTestModels.INPUT, TfTestModels.OUTPUT, batch.get("input"));
    }
}
