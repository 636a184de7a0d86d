package org.pot4j.engine.benchmark;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Renders benchmark results as a plain-text table, one row per batch size and model, with the
 * speed ratio against the baseline (the first model) at the same batch size. The minimum is shown
 * next to the median and p90 because on a busy machine it is the least disturbed number.
 */
public final class BenchmarkTable {
    private static final String[] HEADER = {"batch", "model", "backend", "median ms", "p90 ms", "min ms", "samples/s", "speed"};

    private BenchmarkTable() {
    }

    /** The table, lines separated by {@code \n}, ending with a newline. */
    public static String format(List<BenchmarkResult> results) {
        List<String[]> rows = new ArrayList<>();
        rows.add(HEADER);
        for (BenchmarkResult r : results) {
            rows.add(new String[] {
                Integer.toString(r.batchSize()),
                r.label(),
                r.backend(),
                fixed(r.medianMs()),
                fixed(r.p90Ms()),
                fixed(r.minMs()),
                String.format(Locale.ROOT, "%.1f", r.throughput()),
                r.speedRatio() == null ? "1.00x (base)" : ratio(r.speedRatio())
            });
        }
        return align(rows);
    }

    /** A ratio as {@code 2.87x}. */
    public static String ratio(double value) {
        return String.format(Locale.ROOT, "%.2fx", value);
    }

    /** Milliseconds with three significant decimals for small values. */
    static String fixed(double ms) {
        return String.format(Locale.ROOT, ms < 10 ? "%.3f" : "%.1f", ms);
    }

    /** Left-aligns text columns and right-aligns numeric ones (batch and the measurements). */
    private static String align(List<String[]> rows) {
        int cols = HEADER.length;
        int[] width = new int[cols];
        for (String[] row : rows) {
            for (int c = 0; c < cols; c++) {
                width[c] = Math.max(width[c], row[c].length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < rows.size(); i++) {
            String[] row = rows.get(i);
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < cols; c++) {
                boolean right = c == 0 || c >= 3;
                String cell = right ? pad(row[c], width[c], true) : pad(row[c], width[c], false);
                line.append(c == 0 ? "" : "  ").append(cell);
            }
            out.append(line.toString().stripTrailing()).append('\n');
            if (i == 0) {
                int total = 0;
                for (int c = 0; c < cols; c++) {
                    total += width[c] + (c == 0 ? 0 : 2);
                }
                out.append("-".repeat(total)).append('\n');
            }
        }
        return out.toString();
    }

    private static String pad(String s, int width, boolean right) {
        String fill = " ".repeat(Math.max(0, width - s.length()));
        return right ? fill + s : s + fill;
    }
}
