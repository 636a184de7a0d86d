package org.pot4j.engine.algorithms.biascorrection;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.pot4j.api.Tensor;
import org.pot4j.api.model.QuantizableNode;
import org.pot4j.api.quant.WeightQuantizer;

class InputErrorPropagationTest {
    /** A quantizer fine enough that fake quantization leaves these small integer weights unchanged. */
    private static WeightQuantizer exact(int channels, int axis) {
        float[] scales = new float[channels];
        java.util.Arrays.fill(scales, 1f / 16);
        return new WeightQuantizer(8, axis, scales, new int[channels], true);
    }

    private static QuantizableNode node(long[] shape, int outAxis) {
        return new QuantizableNode("n", "Op", List.of("x"), List.of(), "w", shape, outAxis, "b", "y", 1);
    }

    @Test
    void fullyConnectedInEitherLayout() {
        // [out=2, in=3]
        float[] w = {1, 0, 1, 0, 1, -1};
        double[] fpIn = {0, 0, 0};
        double[] qIn = {1, 0.5, 0.25};
        double[] expected = {1.25, 0.25};
        assertArrayEquals(expected, InputErrorPropagation.propagate(node(new long[] {2, 3}, 0),
                Tensor.ofFloats(new long[] {2, 3}, w), exact(2, 0), fpIn, qIn, 2), 1e-6);
        // the same weight stored [in=3, out=2] (MatMul) with the output channel on axis 1
        float[] t = {1, 0, 0, 1, 1, -1};
        assertArrayEquals(expected, InputErrorPropagation.propagate(node(new long[] {3, 2}, 1),
                Tensor.ofFloats(new long[] {3, 2}, t), exact(2, 1), fpIn, qIn, 2), 1e-6);
    }

    @Test
    void convolutionsSumTheKernelAndRespectGroups() {
        // OIHW [2, 1, 2, 2] depthwise over 2 input channels: output c sees only input c
        float[] w = {1, 1, 1, 1, 0.5f, 0.5f, 0, 0};
        double[] out = InputErrorPropagation.propagate(node(new long[] {2, 1, 2, 2}, 0),
                Tensor.ofFloats(new long[] {2, 1, 2, 2}, w), exact(2, 0), new double[] {0, 0}, new double[] {1, 2}, 2);
        assertArrayEquals(new double[] {4, 2}, out, 1e-6);
        // HWIO [1, 1, 2, 2]: output channel last, input channel before it
        float[] hwio = {1, 2, 3, 4}; // w[i][o]: i0 -> (1, 2), i1 -> (3, 4)
        assertArrayEquals(new double[] {1 + 3 * 2, 2 + 4 * 2}, InputErrorPropagation.propagate(node(new long[] {1, 1, 2, 2}, 3),
                Tensor.ofFloats(new long[] {1, 1, 2, 2}, hwio), exact(2, 3), new double[] {0, 0}, new double[] {1, 2}, 2), 1e-6);
    }

    @Test
    void unsupportedLayoutsAndMismatchedChannelsGiveNull() {
        float[] w = new float[2 * 3 * 2 * 2];
        // output channel on axis 1 of a 4-D weight (ConvTranspose): the mean relation differs
        assertNull(InputErrorPropagation.propagate(node(new long[] {3, 2, 2, 2}, 1), Tensor.ofFloats(new long[] {3, 2, 2, 2}, w),
                exact(2, 1), new double[3], new double[3], 2));
        // an input whose channels do not line up with the weight (e.g. the source of a Flatten)
        assertNull(InputErrorPropagation.propagate(node(new long[] {2, 12}, 0), Tensor.ofFloats(new long[] {2, 12}, new float[24]),
                exact(2, 0), new double[5], new double[5], 2));
        // output means that do not match the weight's output channels
        assertNull(InputErrorPropagation.propagate(node(new long[] {2, 3}, 0), Tensor.ofFloats(new long[] {2, 3}, new float[6]),
                exact(2, 0), new double[3], new double[3], 4));
    }
}
