package org.pot4j.engine.statistics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class QuantilesTest {
    @Test
    void interpolatesLikeNumpy() {
        float[] v = {10, 1, 9, 2, 8, 3, 7, 4, 6, 5};
        // numpy.quantile(range(1, 11), 0.25) == 3.25
        assertEquals(3.25, Quantiles.quantile(v.clone(), 0, v.length, 0.25), 1e-9);
        assertEquals(1.0, Quantiles.quantile(v.clone(), 0, v.length, 0.0), 1e-9);
        assertEquals(10.0, Quantiles.quantile(v.clone(), 0, v.length, 1.0), 1e-9);
        assertEquals(5.5, Quantiles.quantile(v.clone(), 0, v.length, 0.5), 1e-9);
    }

    @Test
    void matchesSortingOnRandomDataWithTies() {
        Random r = new Random(7);
        for (int trial = 0; trial < 200; trial++) {
            int n = 1 + r.nextInt(300);
            float[] a = new float[n];
            for (int i = 0; i < n; i++) {
                a[i] = r.nextInt(20) - 10 + (r.nextBoolean() ? 0.5f : 0f);
            }
            double q = r.nextDouble();
            float[] sorted = a.clone();
            Arrays.sort(sorted);
            double pos = q * (n - 1);
            int lo = (int) Math.floor(pos);
            double expected = lo + 1 < n ? sorted[lo] + (pos - lo) * (sorted[lo + 1] - sorted[lo]) : sorted[lo];
            assertEquals(expected, Quantiles.quantile(a, 0, n, q), 1e-6, "trial " + trial);
        }
    }

    @Test
    void extremeQuantilesByScanMatchSortingWithoutTouchingTheData() {
        Random r = new Random(11);
        double[] qs = {0, 1e-4, 0.003, 0.02, 0.5, 0.98, 0.997, 1 - 1e-4, 1};
        for (int n : new int[] {1, 2, 3, 7, 64, 65, 200, 5000, 20000}) {
            float[] d = new float[n + 2];
            for (int i = 0; i < d.length; i++) {
                d[i] = r.nextInt(4) == 0 ? r.nextInt(5) : (float) r.nextGaussian();
            }
            float[] copy = d.clone();
            for (boolean abs : new boolean[] {false, true}) {
                float[] sorted = new float[n];
                for (int i = 0; i < n; i++) {
                    sorted[i] = abs ? Math.abs(d[i + 1]) : d[i + 1];
                }
                Arrays.sort(sorted);
                for (double q : qs) {
                    double pos = q * (n - 1);
                    int lo = (int) Math.floor(pos);
                    double expected = lo + 1 < n ? sorted[lo] + (pos - lo) * ((double) sorted[lo + 1] - sorted[lo]) : sorted[lo];
                    double got = Quantiles.quantile(d, 1, n + 1, q, abs, new float[n], new float[Quantiles.SMALL_RANK]);
                    assertEquals(expected, got, 1e-6, "n " + n + " q " + q + " abs " + abs);
                }
            }
            assertArrayEquals(copy, d);
        }
        float[] nan = {1, Float.NaN, 3};
        assertTrue(Double.isNaN(Quantiles.quantile(nan, 0, 3, 1e-4, false, new float[3], new float[Quantiles.SMALL_RANK])));
    }

    @Test
    void worksOnASubrange() {
        float[] a = {100, 3, 1, 2, -100};
        assertEquals(2.0, Quantiles.quantile(a, 1, 4, 0.5), 1e-9);
        assertEquals(100f, a[0]);
        assertEquals(-100f, a[4]);
    }
}
