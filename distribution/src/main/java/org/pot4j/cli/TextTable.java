package org.pot4j.cli;

import java.util.ArrayList;
import java.util.List;

/** A plain-text table with a header rule; numeric columns can be right-aligned. */
final class TextTable {
    private final String[] header;
    private final boolean[] rightAligned;
    private final List<String[]> rows = new ArrayList<>();

    TextTable(String... header) {
        this.header = header.clone();
        this.rightAligned = new boolean[header.length];
    }

    /** Right-aligns the given columns (numbers read better that way). */
    TextTable alignRight(int... columns) {
        for (int c : columns) {
            rightAligned[c] = true;
        }
        return this;
    }

    /** Adds a row; null cells print as empty, missing trailing cells too. */
    TextTable row(Object... cells) {
        String[] r = new String[header.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = i < cells.length && cells[i] != null ? cells[i].toString() : "";
        }
        rows.add(r);
        return this;
    }

    boolean isEmpty() {
        return rows.isEmpty();
    }

    /** The rendered table, each line ending with a newline. */
    String render() {
        int[] width = new int[header.length];
        for (int c = 0; c < header.length; c++) {
            width[c] = header[c].length();
            for (String[] r : rows) {
                width[c] = Math.max(width[c], r[c].length());
            }
        }
        StringBuilder out = new StringBuilder();
        line(out, header, width);
        int total = 0;
        for (int c = 0; c < width.length; c++) {
            total += width[c] + (c == 0 ? 0 : 2);
        }
        out.append("-".repeat(total)).append('\n');
        for (String[] r : rows) {
            line(out, r, width);
        }
        return out.toString();
    }

    private void line(StringBuilder out, String[] cells, int[] width) {
        StringBuilder sb = new StringBuilder();
        for (int c = 0; c < cells.length; c++) {
            if (c > 0) {
                sb.append("  ");
            }
            String fill = " ".repeat(width[c] - cells[c].length());
            sb.append(rightAligned[c] ? fill + cells[c] : cells[c] + fill);
        }
        out.append(sb.toString().stripTrailing()).append('\n');
    }
}
