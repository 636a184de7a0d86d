package org.pot4j.engine.statistics;

/**
 * Exact quantiles of a float range in O(n) by selection, with numpy's default linear interpolation
 * ({@code pos = q * (n - 1)}), so results match POT/NNCF reference numbers.
 */
final class Quantiles {
    private Quantiles() {
    }

    /**
     * The {@code q}-quantile of {@code a[from, to)}. Reorders that range (callers pass a scratch copy).
     */
    static double quantile(float[] a, int from, int to, double q) {
        int n = to - from;
        if (n <= 0) {
            throw new IllegalArgumentException("quantile of an empty range");
        }
        double pos = q * (n - 1);
        int lowRank = (int) Math.floor(pos);
        double frac = pos - lowRank;
        int k = from + lowRank;
        float low = select(a, from, to, k);
        if (frac == 0 || k + 1 >= to) {
            return low;
        }
        // after selection everything right of k is >= a[k]; the next order statistic is their minimum
        float next = a[k + 1];
        for (int i = k + 2; i < to; i++) {
            if (a[i] < next) {
                next = a[i];
            }
        }
        return low + frac * ((double) next - low);
    }

    /** Moves the k-th smallest element of {@code a[from, to)} to index {@code k} (Hoare quickselect). */
    static float select(float[] a, int from, int to, int k) {
        int lo = from;
        int hi = to - 1;
        while (hi > lo) {
            int mid = (lo + hi) >>> 1;
            float pivot = medianOfThree(a[lo], a[mid], a[hi]);
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (a[i] < pivot) {
                    i++;
                }
                while (a[j] > pivot) {
                    j--;
                }
                if (i <= j) {
                    float t = a[i];
                    a[i] = a[j];
                    a[j] = t;
                    i++;
                    j--;
                }
            }
            if (k <= j) {
                hi = j;
            } else if (k >= i) {
                lo = i;
            } else {
                return a[k];
            }
        }
        return a[k];
    }

    private static float medianOfThree(float x, float y, float z) {
        return Math.max(Math.min(x, y), Math.min(Math.max(x, y), z));
    }
}
