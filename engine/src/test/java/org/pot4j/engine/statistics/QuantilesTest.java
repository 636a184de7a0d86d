package org.pot4j.engine.statistics;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
    void worksOnASubrange() {
        float[] a = {100, 3, 1, 2, -100};
        assertEquals(2.0, Quantiles.quantile(a, 1, 4, 0.5), 1e-9);
        assertEquals(100f, a[0]);
        assertEquals(-100f, a[4]);
    }
}
