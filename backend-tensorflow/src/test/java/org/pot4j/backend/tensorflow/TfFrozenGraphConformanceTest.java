package org.pot4j.backend.tensorflow;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.pot4j.testkit.MnistFixture;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.model.ModelBackendProvider;
import org.pot4j.testkit.AbstractModelBackendTest;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.types.TFloat32;

/**
 * The testkit conformance suite on the frozen GraphDef of the LeNet example with MNIST images;
 * FP32 is compared with a plain TensorFlow session on the same file.
 */
class TfFrozenGraphConformanceTest extends AbstractModelBackendTest {
    @Override
    protected ModelBackendProvider provider() {
        return new TfBackendProvider();
    }

    @Override
    protected Path fixtureModel() {
        return MnistFixture.examples().resolve("mnist-lenet").resolve("lenet_frozen.pb");
    }

    @Override
    protected Dataset fixtureDataset() {
        return MnistFixture.read("calibration", Integer.MAX_VALUE, 28, 28, 1);
    }

    @Override
    protected Map<String, Tensor> referenceOutputs(Map<String, Tensor> batch) {
        Tensor x = batch.values().iterator().next();
        try (Graph g = new Graph()) {
            g.importGraphDef(GraphDef.parseFrom(Files.readAllBytes(fixtureModel())));
            try (Session s = new Session(g);
                 TFloat32 in = TFloat32.tensorOf(Shape.of(x.shape()), DataBuffers.of(x.floats(), true, false));
                 Result r = s.runner().feed("input", in).fetch("Identity").run()) {
                Map<String, Tensor> out = new LinkedHashMap<>();
                out.put("Identity", TfTensors.fromTf(r.get(0)));
                return out;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
