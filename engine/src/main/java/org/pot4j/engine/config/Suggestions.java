package org.pot4j.engine.config;

import java.util.Collection;
import java.util.Locale;

/** "Did you mean" hints for misspelt names, by edit distance. */
public final class Suggestions {
    private Suggestions() {
    }

    /**
     * The closest candidate to {@code wrong}, or null when none is close. Case, {@code _} and
     * {@code -} are ignored first, so {@code batchSize} suggests {@code batch_size}; then up to
     * one edit per three characters (at least two) is allowed.
     */
    public static String closest(String wrong, Collection<String> candidates) {
        if (wrong == null) {
            return null;
        }
        String w = normalize(wrong);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = distance(w, normalize(c));
            if (d < bestDistance || (d == bestDistance && best != null && c.compareTo(best) < 0)) {
                best = c;
                bestDistance = d;
            }
        }
        int allowed = Math.max(2, w.length() / 3);
        return bestDistance <= allowed ? best : null;
    }

    /** {@code " (did you mean 'x'?)"} or an empty string. */
    public static String didYouMean(String wrong, Collection<String> candidates) {
        String c = closest(wrong, candidates);
        return c == null ? "" : " (did you mean '" + c + "'?)";
    }

    private static String normalize(String s) {
        return s.toLowerCase(Locale.ROOT).replace("_", "").replace("-", "");
    }

    /** Levenshtein distance with adjacent transpositions (optimal string alignment). */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                int v = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    v = Math.min(v, d[i - 2][j - 2] + 1);
                }
                d[i][j] = v;
            }
        }
        return d[a.length()][b.length()];
    }
}
