package org.pot4j.engine.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A small inline SVG line chart (no scripts, no external assets) so that HTML reports open anywhere,
 * offline, and can be attached to a ticket as one file.
 */
public final class SvgLineChart {
    private static final String[] COLORS = {"#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2"};

    private final String xLabel;
    private final String yLabel;
    private final List<Series> series = new ArrayList<>();
    private final List<double[]> markers = new ArrayList<>();
    private Double limit;
    private String limitLabel;

    /** A chart with axis labels. */
    public SvgLineChart(String xLabel, String yLabel) {
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    /** Adds a line through {@code points} ({x, y} pairs, NaN y values are skipped). */
    public SvgLineChart series(String name, List<double[]> points) {
        series.add(new Series(name, points, COLORS[series.size() % COLORS.length]));
        return this;
    }

    /** Adds a horizontal dashed line at {@code y} (the target). */
    public SvgLineChart limit(double y, String label) {
        this.limit = y;
        this.limitLabel = label;
        return this;
    }

    /** Marks point {x, y} with a red cross (e.g. a rolled-back iteration). */
    public SvgLineChart marker(double x, double y) {
        markers.add(new double[] {x, y});
        return this;
    }

    /** The chart as an {@code <svg>} element. */
    public String render() {
        int w = 640;
        int h = 320;
        int left = 70;
        int right = 20;
        int top = 20;
        int bottom = 50;
        double xmin = 0;
        double xmax = 1;
        double ymin = 0;
        double ymax = 0;
        for (Series s : series) {
            for (double[] p : s.points) {
                xmax = Math.max(xmax, p[0]);
                if (Double.isFinite(p[1])) {
                    ymin = Math.min(ymin, p[1]);
                    ymax = Math.max(ymax, p[1]);
                }
            }
        }
        if (limit != null && Double.isFinite(limit)) {
            ymax = Math.max(ymax, limit);
            ymin = Math.min(ymin, limit);
        }
        if (ymax - ymin < 1e-12) {
            ymax = ymin + 1;
        }
        double pad = (ymax - ymin) * 0.08;
        ymax += pad;
        if (ymin < 0) {
            ymin -= pad;
        }
        double fxmin = xmin;
        double fxmax = xmax;
        double fymin = ymin;
        double fymax = ymax;
        java.util.function.DoubleUnaryOperator px = x -> left + (x - fxmin) / (fxmax - fxmin) * (w - left - right);
        java.util.function.DoubleUnaryOperator py = y -> top + (fymax - y) / (fymax - fymin) * (h - top - bottom);

        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s versus %s\">%n", w, h, w, h, esc(yLabel), esc(xLabel)));
        sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#fff\" stroke=\"#999\"/>%n",
                left, top, w - left - right, h - top - bottom));
        for (int i = 0; i <= 4; i++) {
            double y = ymin + (ymax - ymin) * i / 4;
            double yy = py.applyAsDouble(y);
            sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%s</text>%n",
                    left, yy, w - right, yy, left - 5, yy + 4, fmt(y)));
        }
        int steps = (int) Math.min(10, Math.max(1, xmax - xmin));
        for (int i = 0; i <= steps; i++) {
            double x = xmin + (xmax - xmin) * i / steps;
            sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%s</text>%n",
                    px.applyAsDouble(x), h - bottom + 16, x == Math.rint(x) ? String.valueOf((long) x) : fmt(x)));
        }
        sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\">%s</text>%n",
                left + (w - left - right) / 2.0, h - 12, esc(xLabel)));
        sb.append(String.format(Locale.ROOT, "<text x=\"14\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\" "
                + "transform=\"rotate(-90 14 %.1f)\">%s</text>%n", top + (h - top - bottom) / 2.0, top + (h - top - bottom) / 2.0, esc(yLabel)));
        if (limit != null && Double.isFinite(limit)) {
            double ly = py.applyAsDouble(limit);
            sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#d62728\" "
                    + "stroke-dasharray=\"6 4\"/><text x=\"%d\" y=\"%.1f\" font-size=\"11\" fill=\"#d62728\" "
                    + "text-anchor=\"end\">%s</text>%n", left, ly, w - right, ly, w - right - 4, ly - 4, esc(limitLabel)));
        }
        int legendY = top + 14;
        for (Series s : series) {
            StringBuilder pts = new StringBuilder();
            for (double[] p : s.points) {
                if (Double.isFinite(p[1])) {
                    pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", px.applyAsDouble(p[0]), py.applyAsDouble(p[1])));
                }
            }
            sb.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"%s\"/>%n",
                    s.color, pts.toString().trim()));
            for (double[] p : s.points) {
                if (Double.isFinite(p[1])) {
                    sb.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>%s: %s at %s</title></circle>%n",
                            px.applyAsDouble(p[0]), py.applyAsDouble(p[1]), s.color, esc(s.name), fmt(p[1]), fmt(p[0])));
                }
            }
            sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>"
                    + "<text x=\"%d\" y=\"%d\" font-size=\"11\">%s</text>%n", w - right - 160, legendY - 9, s.color,
                    w - right - 145, legendY, esc(s.name)));
            legendY += 15;
        }
        for (double[] m : markers) {
            double cx = px.applyAsDouble(m[0]);
            double cy = py.applyAsDouble(m[1]);
            sb.append(String.format(Locale.ROOT, "<path d=\"M%.1f %.1f l8 8 m0 -8 l-8 8\" stroke=\"#d62728\" stroke-width=\"2\"/>%n",
                    cx - 4, cy - 4));
        }
        sb.append("</svg>");
        return sb.toString();
    }

    /** A short number for labels. */
    static String fmt(double v) {
        if (!Double.isFinite(v)) {
            return String.valueOf(v);
        }
        if (v == 0) {
            return "0";
        }
        double a = Math.abs(v);
        if (a >= 1000 || a < 0.001) {
            return String.format(Locale.ROOT, "%.3g", v);
        }
        return String.format(Locale.ROOT, "%.4f", v).replaceAll("0+$", "").replaceAll("\\.$", "");
    }

    /** HTML/XML text escaping. */
    static String esc(String s) {
        if (s == null) {
            return "";
        }
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private record Series(String name, List<double[]> points, String color) {
    }
}
