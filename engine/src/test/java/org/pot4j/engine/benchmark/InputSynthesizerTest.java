package org.pot4j.engine.benchmark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.pot4j.api.DataType;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Sample;
import org.pot4j.api.model.TensorInfo;

class InputSynthesizerTest {
    @Test
    void transformerInputsGetValidIdsMasksAndSegments() {
        List<TensorInfo> inputs = List.of(
                new TensorInfo("input_ids", DataType.INT64, new long[] {-1, -1}),
                new TensorInfo("attention_mask", DataType.INT64, new long[] {-1, -1}),
                new TensorInfo("token_type_ids", DataType.INT64, new long[] {-1, -1}));
        Sample s = new InputSynthesizer(1, 16).samples(inputs, 1).get(0);
        Tensor ids = s.inputs().get("input_ids");
        assertArrayEquals(new long[] {16}, ids.shape());
        for (long id : ids.longs()) {
            assertTrue(id >= 100 && id < 1000, "id " + id);
        }
        for (long m : s.inputs().get("attention_mask").longs()) {
            assertEquals(1, m);
        }
        for (long t : s.inputs().get("token_type_ids").longs()) {
            assertEquals(0, t);
        }
    }

    @Test
    void floatsAreStandardNormalWithTheBatchDimensionDropped() {
        TensorInfo image = new TensorInfo("input", DataType.FLOAT32, new long[] {-1, 3, 32, 32});
        List<Sample> samples = new InputSynthesizer(7, 1).samples(List.of(image), 2);
        float[] f = samples.get(0).inputs().get("input").floats();
        assertArrayEquals(new long[] {3, 32, 32}, samples.get(0).inputs().get("input").shape());
        double mean = 0;
        double sq = 0;
        for (float v : f) {
            mean += v;
            sq += v * v;
        }
        mean /= f.length;
        double var = sq / f.length - mean * mean;
        assertEquals(0, mean, 0.1);
        assertEquals(1, var, 0.1);
        assertTrue(samples.get(0).inputs().get("input").floats()[0] != samples.get(1).inputs().get("input").floats()[0]);
    }

    @Test
    void scalarInputIsRejected() {
        TensorInfo scalar = new TensorInfo("s", DataType.FLOAT32, new long[0]);
        assertThrows(Pot4jException.class, () -> new InputSynthesizer(1, 1).samples(List.of(scalar), 1));
    }
}
