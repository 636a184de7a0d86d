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

    /** Up to this many order statistics from either end are found by one threshold scan instead of selection. */
    static final int SMALL_RANK = 64;

    /**
     * The {@code q}-quantile of {@code d[from, to)} (of absolute values when {@code abs}), without
     * modifying {@code d}. Quantiles near 0 or 1 (POT's outlier quantiles 1e-4 / 1 - 1e-4) need only
     * a few extreme values, found in one scan that rejects almost every element with a single
     * comparison; other quantiles copy into {@code scratch} (length &gt;= {@code to - from}) and select.
     * Returns NaN when the range holds a NaN.
     */
    static double quantile(float[] d, int from, int to, double q, boolean abs, float[] scratch, float[] small) {
        int n = to - from;
        double pos = q * (n - 1);
        int lowRank = (int) Math.floor(pos);
        double frac = pos - lowRank;
        int highRank = Math.min(lowRank + 1, n - 1);
        double low;
        double high;
        if (highRank + 1 <= SMALL_RANK) {
            int count = highRank + 1;
            if (!extremes(d, from, to, abs, false, count, small)) {
                return Double.NaN;
            }
            low = small[lowRank];
            high = small[highRank];
        } else if (n - lowRank <= SMALL_RANK) {
            int count = n - lowRank;
            if (!extremes(d, from, to, abs, true, count, small)) {
                return Double.NaN;
            }
            // small holds the largest values in descending order: rank r sits at n - 1 - r
            low = small[n - 1 - lowRank];
            high = small[n - 1 - highRank];
        } else {
            for (int i = 0; i < n; i++) {
                float v = d[from + i];
                if (v != v) {
                    return Double.NaN;
                }
                scratch[i] = abs ? Math.abs(v) : v;
            }
            return quantile(scratch, 0, n, q);
        }
        return frac == 0 ? low : low + frac * (high - low);
    }

    /**
     * Writes the {@code count} smallest (or largest) values of {@code d[from, to)} to
     * {@code out[0, count)}, ascending (descending for largest). False when a NaN was seen.
     */
    private static boolean extremes(float[] d, int from, int to, boolean abs, boolean largest, int count, float[] out) {
        int filled = 0;
        for (int i = from; i < to; i++) {
            float v = d[i];
            if (v != v) {
                return false;
            }
            if (abs) {
                v = Math.abs(v);
            }
            // sign flip turns "largest" into "smallest", so one insertion routine serves both
            float key = largest ? -v : v;
            if (filled == count && !(key < out[count - 1])) {
                continue;
            }
            int j = filled < count ? filled++ : count - 1;
            while (j > 0 && out[j - 1] > key) {
                out[j] = out[j - 1];
                j--;
            }
            out[j] = key;
        }
        if (largest) {
            for (int i = 0; i < filled; i++) {
                out[i] = -out[i];
            }
        }
        return true;
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
