package org.pot4j.metrics;

import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.Tensor;

/**
 * Cosine similarity between an output and the annotation; higher is better, 1 = same direction.
 *
 * <p>By default both are flattened into one vector (e.g. all 64x384 token embeddings of a MiniLM
 * sample at once). With {@code axis_mean} set, the cosine is taken along that axis of the output shape
 * (negative counts from the end; e.g. -1 = per token over the hidden size) and averaged over all
 * other positions. Two zero vectors count as identical (1), a zero vector against a non-zero one
 * as unrelated (0), so the value is always defined.
 *
 * <p>With {@code mask_input} (e.g. {@code attention_mask}) it is the mean per-token cosine over the real
 * tokens only: axis 1 of the output is the token axis, each token's vector is everything after it.
 */
public final class CosineSimilarityMetric extends ReferenceMetric {
    private final Integer axis;

    /**
     * @param outputIndex which model output to compare (0 = first)
     * @param axis        the axis to take cosines along, or null for one flat cosine
     */
    public CosineSimilarityMetric(int outputIndex, Integer axis) {
        this(outputIndex, axis, null);
    }

    /**
     * @param outputIndex which model output to compare (0 = first)
     * @param axis        the axis to take cosines along, or null for one flat cosine (ignored with a mask)
     * @param maskInput   the model input marking real tokens, or null
     */
    public CosineSimilarityMetric(int outputIndex, Integer axis, String maskInput) {
        super("cosine_similarity", true, outputIndex, maskInput);
        this.axis = axis;
    }

    @Override
    double computeMasked(Tensor output, double[] reference, boolean[] tokens) {
        int width = reference.length / tokens.length;
        double sum = 0;
        int real = 0;
        for (int t = 0; t < tokens.length; t++) {
            if (tokens[t]) {
                sum += cosine(output, reference, t * width, 1, width);
                real++;
            }
        }
        return real == 0 ? 1.0 : sum / real;
    }

    @Override
    double compute(Tensor output, double[] reference) {
        if (axis == null) {
            return cosine(output, reference, 0, 1, reference.length);
        }
        int rank = output.rank();
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) {
            throw new Pot4jException(ErrorCode.METRIC_FAILED, "metric 'cosine_similarity': axis_mean " + axis
                    + " does not exist in output " + output + " of rank " + rank + "; use -" + rank + ".." + (rank - 1));
        }
        int length = (int) output.dim(a);
        int inner = 1;
        for (int d = a + 1; d < rank; d++) {
            inner *= (int) output.dim(d);
        }
        int outer = length == 0 ? 0 : reference.length / (length * inner);
        double sum = 0;
        int vectors = 0;
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                sum += cosine(output, reference, o * length * inner + i, inner, length);
                vectors++;
            }
        }
        return vectors == 0 ? 1.0 : sum / vectors;
    }

    private static double cosine(Tensor output, double[] reference, int start, int stride, int length) {
        double dot = 0;
        double nx = 0;
        double ny = 0;
        for (int k = 0, i = start; k < length; k++, i += stride) {
            double x = output.getDouble(i);
            double y = reference[i];
            dot += x * y;
            nx += x * x;
            ny += y * y;
        }
        if (nx == 0 || ny == 0) {
            return nx == ny ? 1.0 : 0.0;
        }
        return dot / (Math.sqrt(nx) * Math.sqrt(ny));
    }
}
