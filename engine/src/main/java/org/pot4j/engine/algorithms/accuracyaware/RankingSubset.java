package org.pot4j.engine.algorithms.accuracyaware;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/** Step 2's sample choices: which samples to compare, and which form the ranking subset. */
final class RankingSubset {
    private RankingSubset() {
    }

    /**
     * The {@code size} samples with the largest mismatch (ties to the lower index, so the choice is
     * deterministic), returned as ascending dataset indices; all of them when there are fewer.
     *
     * @param indices  dataset indices that were compared
     * @param mismatch per-sample mismatch aligned with {@code indices} (NaN counts as 0)
     */
    static int[] select(int[] indices, double[] mismatch, int size) {
        Integer[] order = IntStream.range(0, indices.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.<Integer>comparingDouble(p -> -clean(mismatch[p])).thenComparingInt(p -> indices[p]));
        int n = Math.min(size, indices.length);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = indices[order[i]];
        }
        Arrays.sort(out);
        return out;
    }

    /**
     * {@code m} indices spread evenly over {@code [0, n)} (not the first {@code m}: datasets are
     * often sorted by class).
     */
    static int[] evenlySpaced(int n, int m) {
        int k = Math.max(1, Math.min(n, m));
        int[] out = new int[k];
        for (int i = 0; i < k; i++) {
            out[i] = (int) ((long) i * n / k);
        }
        return out;
    }

    private static double clean(double v) {
        return Double.isNaN(v) ? 0 : v;
    }
}
