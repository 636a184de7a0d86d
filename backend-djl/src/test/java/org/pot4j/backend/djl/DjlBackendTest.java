package org.pot4j.backend.djl;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.pot4j.testkit.MnistFixture;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.model.ModelBackendProvider;
import org.pot4j.testkit.AbstractModelBackendTest;

/** The testkit conformance suite on the MNIST LeNet TorchScript twin ({@code examples/mnist-lenet/lenet.pt}). */
class DjlBackendTest extends AbstractModelBackendTest {
    static final Path LENET = Path.of("..", "examples", "mnist-lenet", "lenet.pt");

    @Override
    protected ModelBackendProvider provider() {
        return new DjlBackendProvider();
    }

    @Override
    protected Path fixtureModel() {
        return LENET;
    }

    @Override
    protected Dataset fixtureDataset() {
        return MnistFixture.read("test", 16, 1, 28, 28);
    }

    /** The names and shape of the ONNX twin (lenet.onnx); the archive itself records no input shape. */
    @Override
    protected DjlLoadOptions modelOptions() {
        return new DjlLoadOptions(List.of("input"), Map.of("input", List.of(-1, 1, 28, 28)), null, List.of("logits"), null,
                null, null);
    }

    /**
     * The saved file runs quantized::conv2d / linear, which requantize integer accumulators once per
     * layer, while compile(plan) simulates the same grids in float: logits (magnitude ~10) differ by
     * a few hundredths.
     */
    @Override
    protected double savedTolerance() {
        return 0.1;
    }

    @Override
    protected double maxSavedSizeRatio() {
        return 0.3; // int8 weights: ~0.26 of the FP32 file
    }

    /** Plain DJL, without pot4j: the fixture file loaded by DJL's own Model API and run on the batch. */
    @Override
    protected Map<String, Tensor> referenceOutputs(Map<String, Tensor> batch) {
        Tensor in = batch.values().iterator().next();
        try (ai.djl.Model m = ai.djl.Model.newInstance("lenet", "PyTorch")) {
            m.load(LENET.toAbsolutePath());
            try (NDManager mgr = NDManager.newBaseManager("PyTorch")) {
                NDList out = m.getBlock().forward(new ParameterStore(mgr, false),
                        new NDList(mgr.create(in.floats(), new Shape(in.shape()))), false);
                return Map.of("logits", Tensor.ofFloats(out.get(0).getShape().getShape(), out.get(0).toFloatArray()));
            }
        } catch (IOException | ai.djl.MalformedModelException e) {
            throw new IllegalStateException(e);
        }
    }
}
