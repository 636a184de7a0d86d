package org.pot4j.engine.algorithms.biascorrection;

import org.pot4j.api.Tensor;
import org.pot4j.api.model.QuantizableNode;
import org.pot4j.api.quant.WeightQuantizer;

/**
 * How much of a linear node's output mean error in the quantized model comes from its input: the
 * input's per-channel mean error {@code delta} pushed through the node's quantized weight,
 * {@code sum_i K[o][i] * delta[i]} where {@code K} is the weight summed over its kernel axes. For
 * a fully-connected layer or MatMul this is exact; for a convolution it is exact away from padded
 * borders, which is what the per-channel means of a linear op obey.
 *
 * <p>Subtracting it leaves the node's own error (its weight and input quantizers on FP32-like
 * inputs), the quantity NNCF's FastBiasCorrection measures on an extracted one-node subgraph. The
 * weight layout is read from the graph view only: 2-D weights ({@code [out, in]} or {@code [in,
 * out]}), and higher-rank weights with the output channel first ({@code OIHW}, input axis 1) or
 * last ({@code HWIO}, input axis before it); grouped and depthwise convolutions follow from the
 * input channel count. Anything else (transposed convolutions, an input whose channels do not line
 * up with the weight, e.g. behind a Flatten) returns null and the caller keeps the total error.
 */
final class InputErrorPropagation {
    private InputErrorPropagation() {
    }

    /**
     * The output-mean error caused by the input-mean error {@code qIn - fpIn}, per output channel,
     * or null when the weight layout or the channel counts do not allow it.
     *
     * @param weight    FP32 weight of the node
     * @param quantizer its weight quantizer in the plan (the quantized model multiplies by this)
     * @param outputs   number of output channels seen in the output means
     */
    static double[] propagate(QuantizableNode node, Tensor weight, WeightQuantizer quantizer, double[] fpIn, double[] qIn,
                              int outputs) {
        if (weight == null || fpIn == null || qIn == null || fpIn.length != qIn.length) {
            return null;
        }
        long[] ws = weight.shape();
        int rank = ws.length;
        int outAxis = node.weightChannelAxis();
        if (rank < 2 || outAxis < 0 || outAxis >= rank) {
            return null;
        }
        int inAxis;
        if (rank == 2) {
            inAxis = 1 - outAxis;
        } else if (outAxis == 0) {
            inAxis = 1;
        } else if (outAxis == rank - 1) {
            inAxis = rank - 2;
        } else {
            return null;
        }
        int outDim = (int) ws[outAxis];
        int inDim = (int) ws[inAxis];
        int inputs = fpIn.length;
        if (outDim != outputs || inDim == 0 || inputs % inDim != 0) {
            return null;
        }
        int groups = inputs / inDim;
        if (outDim % groups != 0) {
            return null;
        }
        long innerOut = 1;
        for (int i = outAxis + 1; i < rank; i++) {
            innerOut *= ws[i];
        }
        long innerIn = 1;
        for (int i = inAxis + 1; i < rank; i++) {
            innerIn *= ws[i];
        }
        float[] w = weight.toFloatArray();
        int qAxis = quantizer.axis();
        long innerQ = 1;
        for (int i = qAxis + 1; qAxis >= 0 && i < rank; i++) {
            innerQ *= ws[i];
        }
        int qChannels = qAxis < 0 ? 1 : (int) ws[qAxis];
        double[][] k = new double[outDim][inDim];
        for (int idx = 0; idx < w.length; idx++) {
            int o = (int) ((idx / innerOut) % outDim);
            int i = (int) ((idx / innerIn) % inDim);
            int qc = qAxis < 0 ? 0 : (int) ((idx / innerQ) % qChannels);
            k[o][i] += quantizer.fakeQuantize(w[idx], qc);
        }
        int outPerGroup = outDim / groups;
        double[] out = new double[outDim];
        for (int o = 0; o < outDim; o++) {
            int base = (o / outPerGroup) * inDim;
            double s = 0;
            for (int i = 0; i < inDim; i++) {
                s += k[o][i] * (qIn[base + i] - fpIn[base + i]);
            }
            out[o] = s;
        }
        return out;
    }
}
