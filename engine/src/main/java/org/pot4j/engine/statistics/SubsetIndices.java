package org.pot4j.engine.statistics;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;

/** Chooses which samples a statistics pass reads, in O(subset) memory. */
final class SubsetIndices {
    private SubsetIndices() {
    }

    /**
     * {@code n} distinct indices of {@code [0, size)}, ascending: the first {@code n}, or a seeded
     * uniform random choice (Floyd's algorithm, no array of the whole dataset).
     */
    static int[] choose(int size, int n, boolean shuffle, long seed) {
        int k = Math.min(n, size);
        int[] out = new int[k];
        if (!shuffle || k == size) {
            for (int i = 0; i < k; i++) {
                out[i] = i;
            }
            return out;
        }
        Random random = new Random(seed);
        Set<Integer> chosen = new HashSet<>();
        for (int j = size - k; j < size; j++) {
            int t = random.nextInt(j + 1);
            chosen.add(chosen.contains(t) ? j : t);
        }
        int i = 0;
        for (int v : chosen) {
            out[i++] = v;
        }
        Arrays.sort(out);
        return out;
    }
}
