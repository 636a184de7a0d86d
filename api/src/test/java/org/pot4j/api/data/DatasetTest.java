package org.pot4j.api.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.pot4j.api.Tensor;

class DatasetTest {
    @Test
    void ofKeepsACopyOfTheSamplesUnderItsName() {
        List<Sample> samples = new ArrayList<>();
        samples.add(Sample.of("x", Tensor.ofFloats(new long[] {1}, new float[] {1}), 0));
        samples.add(Sample.of("x", Tensor.ofFloats(new long[] {1}, new float[] {2}), 1));
        Dataset d = Dataset.of("two", samples);
        samples.clear();
        assertEquals(2, d.size());
        assertEquals("two", d.name());
        assertEquals(1, d.get(1).annotation());
        assertEquals(2f, d.get(1).inputs().get("x").floats()[0]);
        assertThrows(IndexOutOfBoundsException.class, () -> d.get(2));
    }
}
