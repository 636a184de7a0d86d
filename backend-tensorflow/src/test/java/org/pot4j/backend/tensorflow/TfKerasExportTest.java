package org.pot4j.backend.tensorflow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pot4j.api.Tensor;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.ModelBackend;
import org.pot4j.api.model.QuantizableNode;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.api.quant.WeightQuantizer;

/**
 * A SavedModel written by Keras 3 {@code model.export} (made by tools/tensorflow/make_test_fixtures.py):
 * function-based TF2 graph with loader-restored variables and unfolded batch norms, checked against
 * the outputs Keras itself computed.
 */
class TfKerasExportTest {
    private static final Path FIXTURE = Path.of("src", "test", "resources", "keras_export");

    @TempDir
    Path tempDir;

    @Test
    void kerasExportRunsAsKerasDidWithBatchNormsFolded() throws IOException {
        Tensor x = npy(FIXTURE.resolve("x.npy"), new long[] {2, 16, 16, 3});
        float[] y = npy(FIXTURE.resolve("y.npy"), new long[] {2, 4}).floats();
        try (ModelBackend<TfLoadOptions> backend = new TfBackendProvider().create(null);
             Model m = backend.load(FIXTURE.resolve("model"));
             CompiledModel c = m.compile(QuantizationPlan.EMPTY, Set.of())) {
            assertEquals("input", m.inputs().get(0).name());
            assertEquals("output_0", m.outputs().get(0).name());
            assertArrayEquals(y, c.infer(Map.of("input", x)).get("output_0").floats(), 1e-5f, "FP32 outputs equal Keras'");
            List<QuantizableNode> nodes = m.quantizableNodes();
            assertEquals(List.of("Conv2D", "DepthwiseConv2dNative", "Mean", "MatMul"), nodes.stream().map(QuantizableNode::opType).toList());
            assertTrue(nodes.get(0).hasBias() && nodes.get(1).hasBias(), "batch norms became biases");

            QuantizationPlan.Builder plan = QuantizationPlan.builder();
            for (QuantizableNode n : nodes) {
                if (n.hasWeight()) {
                    WeightQuantizer q = TfMinMaxPlanner.perChannel(m.weight(n), n.weightChannelAxis());
                    plan.weight(n.id(), q);
                }
            }
            try (CompiledModel q = m.compile(plan.build(), Set.of())) {
                float[] got = q.infer(Map.of("input", x)).get("output_0").floats();
                double maxDiff = 0;
                for (int i = 0; i < y.length; i++) {
                    maxDiff = Math.max(maxDiff, Math.abs(got[i] - y[i]));
                }
                assertTrue(maxDiff > 0 && maxDiff < 0.05, "INT8 weights change the outputs a little: " + maxDiff);
                Path saved = tempDir.resolve("int8");
                m.save(plan.build(), saved);
                try (Model again = backend.load(saved); CompiledModel r = again.compile(QuantizationPlan.EMPTY, Set.of())) {
                    assertArrayEquals(got, r.infer(Map.of("input", x)).get("output_0").floats(), 1e-6f, "saved model reproduces compile");
                }
            }
        }
    }

    /** A float32 little-endian .npy file (format 1.0) with the given shape. */
    private static Tensor npy(Path file, long[] shape) throws IOException {
        byte[] b = Files.readAllBytes(file);
        int header = ByteBuffer.wrap(b, 8, 2).order(ByteOrder.LITTLE_ENDIAN).getShort();
        FloatBuffer f = ByteBuffer.wrap(b, 10 + header, b.length - 10 - header).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        float[] v = new float[f.remaining()];
        f.get(v);
        return Tensor.ofFloats(shape, v);
    }
}
