package org.pot4j.metrics;

import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.Tensor;

/**
 * Cosine similarity of sentence embeddings, what users of embedding models compare: the output's
 * token vectors ({@code [1, tokens, hidden]}) are pooled into one vector per sentence, by the mean
 * over the real tokens ({@code pooling: mean}, sentence-transformers' default; padding excluded when
 * {@code mask_input} is set) or the first token ({@code pooling: cls}), L2-normalized, and compared
 * with the reference pooled the same way. Higher is better, 1 = same embedding.
 *
 * <p>{@code aggregate: min} reports the worst sentence instead of the mean (as {@code sentence_cosine_min}),
 * so a config can control or report both.
 */
public final class SentenceCosineMetric extends ReferenceMetric {
    /** How token vectors become one sentence vector. */
    public enum Pooling {
        /** Mean over the real tokens. */
        MEAN,
        /** The first token ([CLS]). */
        CLS
    }

    private final Pooling pooling;

    /**
     * @param outputIndex which model output to compare (0 = first)
     * @param pooling     how to pool
     * @param maskInput   the model input marking real tokens, or null (all tokens are real)
     * @param minimum     report the minimum over samples instead of the mean
     */
    public SentenceCosineMetric(int outputIndex, Pooling pooling, String maskInput, boolean minimum) {
        super(minimum ? "sentence_cosine_min" : "sentence_cosine", true, outputIndex, maskInput, minimum);
        this.pooling = pooling;
    }

    @Override
    double compute(Tensor output, double[] reference) {
        if (output.rank() < 2) {
            throw new Pot4jException(ErrorCode.METRIC_FAILED, "metric '" + name() + "' needs token vectors [batch, tokens, hidden]"
                    + " but got " + output);
        }
        boolean[] all = new boolean[(int) output.dim(1)];
        java.util.Arrays.fill(all, true);
        return computeMasked(output, reference, all);
    }

    @Override
    double computeMasked(Tensor output, double[] reference, boolean[] tokens) {
        int width = reference.length / tokens.length;
        double[] a = new double[width];
        double[] b = new double[width];
        for (int t = 0; t < tokens.length; t++) {
            if (pooling == Pooling.CLS ? t != 0 : !tokens[t]) {
                continue;
            }
            for (int k = 0; k < width; k++) {
                a[k] += output.getDouble(t * width + k);
                b[k] += reference[t * width + k];
            }
        }
        // the mean's 1/n and the L2 normalization cancel in a cosine; computed on the sums
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int k = 0; k < width; k++) {
            dot += a[k] * b[k];
            na += a[k] * a[k];
            nb += b[k] * b[k];
        }
        if (na == 0 || nb == 0) {
            return na == nb ? 1.0 : 0.0;
        }
        return dot / (Math.sqrt(na) * Math.sqrt(nb));
    }
}
