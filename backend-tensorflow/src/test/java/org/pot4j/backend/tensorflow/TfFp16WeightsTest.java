package org.pot4j.backend.tensorflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.ModelBackend;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat16;
import org.tensorflow.types.TFloat32;

/**
 * Half-precision weights (NNCF's FP16 caveat in the seeds): a frozen graph whose MatMul weight is a
 * half constant cast to float must stop the load naming the weight, where the same graph in FP32
 * loads and has its weight quantizable.
 */
class TfFp16WeightsTest {
    @TempDir
    Path tmp;

    private static Path graph(Path file, boolean half) throws IOException {
        float[] w = new float[4 * 3];
        for (int i = 0; i < w.length; i++) {
            w[i] = (i % 5 - 2) * 0.25f;
        }
        try (Graph g = new Graph()) {
            Ops tf = Ops.create(g);
            Placeholder<TFloat32> x = tf.withName("x").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 4)));
            Operand<TFloat32> weight;
            if (half) {
                try (TFloat16 t = TFloat16.tensorOf(Shape.of(4, 3), DataBuffers.of(w, true, false))) {
                    weight = tf.withName("fc_kernel_cast").dtypes.cast(tf.withName("fc_kernel").constantOf(t), TFloat32.class);
                }
            } else {
                weight = tf.withName("fc_kernel").constant(Shape.of(4, 3), DataBuffers.of(w, true, false));
            }
            tf.withName("logits").linalg.matMul(x, weight);
            Files.write(file, g.toGraphDef().toByteArray());
        }
        return file;
    }

    @Test
    void halfPrecisionWeightsStopTheLoadNamingThem() throws IOException {
        try (ModelBackend<TfLoadOptions> backend = new TfBackendProvider().create(null)) {
            try (Model fp32 = backend.load(graph(tmp.resolve("fp32.pb"), false))) {
                assertFalse(fp32.quantizableNodes().isEmpty());
                assertTrue(fp32.quantizableNodes().get(0).hasWeight(), "the FP32 twin is quantizable with its weight");
            }
            Path half = graph(tmp.resolve("fp16.pb"), true);
            Pot4jException e = assertThrows(Pot4jException.class, () -> backend.load(half).close());
            assertEquals(ErrorCode.MODEL_UNSUPPORTED, e.code());
            assertTrue(e.getMessage().contains("fc_kernel") && e.getMessage().contains("FP16")
                    && e.getMessage().contains("float32"), e.getMessage());
        }
    }
}
