package org.pot4j.engine.algorithms.minmax;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.Tensor;
import org.pot4j.api.quant.ActivationQuantizer;
import org.pot4j.api.quant.WeightQuantizer;

class QuantizerMathTest {
    @Test
    void nonNegativeActivationsAreUnsignedWithZeroPointZeroInBothModes() {
        for (boolean symmetric : new boolean[] {true, false}) {
            ActivationQuantizer q = QuantizerMath.activation("t", 0, 2.55, true, symmetric, 8);
            assertFalse(q.signed());
            assertEquals(0, q.zeroPoint());
            assertEquals(0.01f, q.scale(), 1e-7);
            assertEquals(2.55f, q.rangeMax(), 1e-5);
        }
    }

    @Test
    void signedSymmetricTakesItsMagnitudeFromTheAbsoluteMaximum() {
        ActivationQuantizer q = QuantizerMath.activation("t", -5, 1.27, true, true, 8);
        assertTrue(q.signed());
        assertEquals(0, q.zeroPoint());
        assertEquals(0.01f, q.scale(), 1e-7);
        // a non-absolute high end: the larger magnitude of both ends
        assertEquals(5f / 127, QuantizerMath.activation("t", -5, 1.27, false, true, 8).scale(), 1e-7);
    }

    @Test
    void asymmetricCoversTheRangeAndZeroExactly() {
        ActivationQuantizer q = QuantizerMath.activation("t", -1, 1.55, false, false, 8);
        assertFalse(q.signed());
        assertEquals(0.01f, q.scale(), 1e-7);
        assertEquals(100, q.zeroPoint());
        assertEquals(0f, q.fakeQuantize(0f));
        // an all-negative range still includes 0
        ActivationQuantizer neg = QuantizerMath.activation("t", -2, -1, false, false, 8);
        assertEquals(255, neg.zeroPoint());
        assertEquals(2f / 255, neg.scale(), 1e-7);
    }

    @Test
    void degenerateRangesGetATinyPositiveScale() {
        for (boolean symmetric : new boolean[] {true, false}) {
            ActivationQuantizer q = QuantizerMath.activation("zeros", 0, 0, true, symmetric, 8);
            assertTrue(q.scale() > 0 && Float.isFinite(q.scale()));
            assertEquals(0f, q.fakeQuantize(0f));
        }
        ActivationQuantizer constant = QuantizerMath.activation("c", 5, 5, true, true, 8);
        assertEquals(5f / 255, constant.scale(), 1e-7);
        WeightQuantizer w = QuantizerMath.weights(Tensor.ofFloats(new long[] {2, 2}, new float[] {0, 0, 1, -1}), 0, 8, 0);
        assertTrue(w.scales()[0] > 0 && Float.isFinite(w.scales()[0]));
    }

    @Test
    void nonFiniteRangesAreReported() {
        Pot4jException e = assertThrows(Pot4jException.class, () -> QuantizerMath.activation("x", Double.NaN, 1, true, true, 8));
        assertEquals(ErrorCode.DATA_NOT_FINITE, e.code());
        assertTrue(e.getMessage().contains("'x'"));
    }

    @Test
    void weightsArePerChannelSymmetricNarrowRange() {
        Tensor w = Tensor.ofFloats(new long[] {3, 2}, new float[] {1, -2, 0.5f, 0.25f, -0.127f, 0});
        WeightQuantizer q = QuantizerMath.weights(w, 0, 8, 0);
        assertEquals(0, q.axis());
        assertArrayEquals(new float[] {2f / 127, 0.5f / 127, 0.127f / 127}, q.scales(), 1e-9f);
        assertTrue(q.symmetric());
        assertTrue(q.narrowRange());
        assertEquals(-127, q.qmin());
        assertEquals(-127, q.quantize(-2f, 0));

        WeightQuantizer perTensor = QuantizerMath.weights(w, -1, 8, 0);
        assertEquals(-1, perTensor.axis());
        assertArrayEquals(new float[] {2f / 127}, perTensor.scales(), 1e-9f);

        // channel axis 1 of a [in, out] MatMul weight
        WeightQuantizer axis1 = QuantizerMath.weights(w, 1, 8, 0);
        assertArrayEquals(new float[] {1f / 127, 2f / 127}, axis1.scales(), 1e-9f);

        // OIHW conv weight: channel 1 holds the largest value 4
        float[] conv = new float[2 * 1 * 2 * 2];
        conv[5] = -4;
        conv[0] = 0.5f;
        assertArrayEquals(new float[] {0.5f / 127, 4f / 127},
                QuantizerMath.weights(Tensor.ofFloats(new long[] {2, 1, 2, 2}, conv), 0, 8, 0).scales(), 1e-9f);
    }

    @Test
    void quantileWeightRangesClipOutliers() {
        float[] v = new float[1001];
        for (int i = 0; i < 1000; i++) {
            v[i] = i / 1000f;
        }
        v[1000] = 100;
        WeightQuantizer q = QuantizerMath.weights(Tensor.ofFloats(new long[] {1, 1001}, v), 0, 8, 0.01);
        // 99th percentile of |w| over 1001 values: position 990 -> 0.99
        assertEquals(0.99f / 127, q.scales()[0], 1e-6);
    }
}
