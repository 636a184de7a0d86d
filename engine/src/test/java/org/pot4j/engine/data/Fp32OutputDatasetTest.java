package org.pot4j.engine.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.data.Sample;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.engine.testing.ArrayDataset;
import org.pot4j.engine.testing.JavaMlpModel;
import org.pot4j.engine.testing.RecordingProgress;

class Fp32OutputDatasetTest {
    @Test
    void annotationsAreTheFp32FirstOutputComputedOnceInBatches() {
        JavaMlpModel model = JavaMlpModel.mlp(11, 4, 8, 3);
        Dataset base = ArrayDataset.generated("input", new long[] {4}, 23, 5);
        RecordingProgress progress = new RecordingProgress();
        Fp32OutputDataset d = new Fp32OutputDataset(base, model, 5, progress);
        assertEquals(23, d.size());
        assertEquals(0, model.compileCount(), "nothing runs before the first get");

        // many threads ask at once: still one pass
        List<Sample> samples = IntStream.range(0, 23).parallel().mapToObj(d::get).toList();
        assertEquals(1, model.compileCount());
        assertEquals(5, model.inferenceCount(), "23 samples in batches of 5");
        d.get(3);
        assertEquals(1, model.compileCount(), "cached");
        assertTrue(progress.events().contains("finish FP32 outputs of generated"), progress.events().toString());

        try (CompiledModel c = model.compile(QuantizationPlan.EMPTY, Set.of())) {
            for (int i = 0; i < 23; i++) {
                Sample s = samples.get(i);
                Tensor expected = c.infer(Map.of("input", base.get(i).inputs().get("input").withBatchDim())).get("logits");
                Tensor got = (Tensor) s.annotation();
                assertArrayEquals(new long[] {1, 3}, got.shape());
                assertArrayEquals(expected.floats(), got.floats());
                assertSame(base.get(i).inputs().get("input").getClass(), s.inputs().get("input").getClass());
                assertArrayEquals(base.get(i).inputs().get("input").floats(), s.inputs().get("input").floats());
            }
        }
    }
}
