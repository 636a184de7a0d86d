package org.pot4j.engine.report;

import static org.pot4j.engine.report.SvgLineChart.esc;
import static org.pot4j.engine.report.SvgLineChart.fmt;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pot4j.api.io.AtomicFiles;
import org.pot4j.engine.report.AccuracyAwarePage.Cost;
import org.pot4j.engine.report.AccuracyAwarePage.Iteration;
import org.pot4j.engine.report.AccuracyAwarePage.MetricRow;
import org.pot4j.engine.report.AccuracyAwarePage.RankRow;
import org.pot4j.engine.report.AccuracyAwarePage.Ranking;
import org.pot4j.engine.report.AccuracyAwarePage.Timing;

/**
 * Renders an AccuracyAwareQuantization report (the map that also goes to
 * {@code accuracy-aware-report.json}, read through its typed {@link AccuracyAwarePage}) as one
 * self-contained HTML page: summary, metric table, an inline SVG plot of the drop per iteration
 * with the {@code maximal_drop} line, the iteration log, the reverted nodes and the layer rankings.
 * No scripts, styles or images are loaded from anywhere.
 */
public final class AccuracyAwareHtmlReport {
    private AccuracyAwareHtmlReport() {
    }

    /** Writes the page to {@code target} atomically. */
    public static void write(Path target, Map<String, ?> report) {
        AtomicFiles.writeString(target, render(AccuracyAwarePage.of(report)));
    }

    /** The page of a report map. */
    public static String render(Map<String, ?> report) {
        return render(AccuracyAwarePage.of(report));
    }

    /** The page. */
    public static String render(AccuracyAwarePage r) {
        StringBuilder sb = new StringBuilder();
        sb.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<title>pot4j AccuracyAwareQuantization report</title>\n<style>"
                + "body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}"
                + "td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;font-size:13px}th{background:#f4f4f4}"
                + "td.n{text-align:right;font-family:monospace}.ok{color:#2ca02c;font-weight:bold}"
                + ".warn{color:#d62728;font-weight:bold}code{background:#f4f4f4;padding:1px 3px}"
                + "</style></head><body>\n");
        sb.append("<h1>AccuracyAwareQuantization</h1>\n<p>Status: <span class=\"")
                .append("TARGET_MET".equals(r.status()) ? "ok" : "warn").append("\">").append(esc(r.status())).append("</span>");
        if (r.stopReason() != null) {
            sb.append(" &mdash; ").append(esc(r.stopReason()));
        }
        sb.append("</p>\n<table>");
        row(sb, "maximal_drop", num(r.maximalDrop()) + " (" + esc(r.dropType()) + ")");
        row(sb, "drop before reverting", num(r.initialDrop()));
        row(sb, "final drop", num(r.finalDrop()));
        row(sb, "base algorithm", esc(r.baseAlgorithm()) + (r.presetConvertedToMixed() ? " (converted to mixed preset)" : ""));
        row(sb, "reverted to FP32", str(r.revertedCount()) + " of " + str(r.quantizedNodeCount())
                + " quantized nodes (" + num(r.revertedPercent()) + "%)");
        row(sb, "validation samples", str(r.validationSamples()) + " (ranking subset " + str(r.rankingSubsetSize()) + ")");
        Timing timing = r.timing();
        if (timing != null) {
            row(sb, "wall time", num(timing.totalSeconds()) + " s = " + num(timing.totalInValidationPasses())
                    + " x one validation pass (" + num(timing.validationPassSeconds()) + " s, "
                    + esc(timing.validationPass()) + ")");
        }
        Cost cost = r.cost();
        if (cost != null) {
            row(sb, "cost (ranking " + esc(r.ranking()) + ")", "ranking " + num(cost.rankingPasses())
                    + " validation passes (" + num(cost.rankingSeconds()) + " s), screening plans on the ranking subset "
                    + num(cost.screenPasses()) + " passes (" + num(cost.screenSeconds()) + " s), validating plans "
                    + str(cost.validationPasses()) + " passes (" + num(cost.validationSeconds())
                    + " s); before the search: base algorithm " + num(cost.baseSeconds()) + " s, "
                    + str(cost.initialPasses()) + " passes (" + num(cost.initialSeconds()) + " s)");
        }
        if (r.resumed()) {
            row(sb, "resumed", "yes, from a checkpoint");
        }
        sb.append("</table>\n");

        if (!r.metrics().isEmpty()) {
            sb.append("<h2>Metrics</h2>\n<table><tr><th>metric</th><th>direction</th><th>FP32 baseline</th>"
                    + "<th>baseline from</th><th>INT8 before</th><th>final</th><th>final drop</th></tr>\n");
            for (MetricRow m : r.metrics()) {
                sb.append("<tr><td>").append(esc(m.name())).append("</td><td>").append(esc(m.direction()))
                        .append("</td><td class=\"n\">").append(num(m.baseline())).append("</td><td>")
                        .append(esc(m.baselineSource())).append("</td><td class=\"n\">").append(num(m.int8()))
                        .append("</td><td class=\"n\">").append(num(m.finalValue())).append("</td><td class=\"n\">")
                        .append(num(m.finalDrop())).append("</td></tr>\n");
            }
            sb.append("</table>\n");
        }

        sb.append("<h2>Drop per iteration</h2>\n");
        sb.append(chart(r)).append('\n');

        sb.append("<h2>Iterations</h2>\n");
        if (r.iterations().isEmpty()) {
            sb.append("<p>No node was reverted.</p>\n");
        } else {
            sb.append("<table><tr><th>#</th><th>node</th><th>op</th><th>action</th><th>drop</th><th>values</th>"
                    + "<th>re-ranked before</th><th>time (s)</th></tr>\n");
            for (Iteration it : r.iterations()) {
                sb.append("<tr><td class=\"n\">").append(str(it.iteration())).append("</td><td>")
                        .append(nodeCell(it.node(), it.group())).append("</td><td>").append(esc(it.opType()))
                        .append("</td><td>").append(esc(it.action())).append("</td><td class=\"n\">")
                        .append(num(it.drop())).append("</td><td>").append(esc(values(it.values())))
                        .append("</td><td>").append(it.reranked() ? "yes" : "")
                        .append("</td><td class=\"n\">").append(num(it.seconds())).append("</td></tr>\n");
            }
            sb.append("</table>\n");
        }

        sb.append("<h2>Reverted to FP32</h2>\n");
        if (r.revertedNodes().isEmpty()) {
            sb.append("<p>None.</p>\n");
        } else {
            sb.append("<ol>");
            for (String node : r.revertedNodes()) {
                sb.append("<li><code>").append(esc(node)).append("</code></li>");
            }
            sb.append("</ol>\n");
        }

        if (!r.rankings().isEmpty()) {
            sb.append("<h2>Layer ranking</h2>\n<p>Each quantized node reverted alone (with the weightless producers whose output "
                    + "quantizer only it reads) and scored on the ranking subset; "
                    + "the first row is reverted first.</p>\n");
            boolean first = true;
            for (Ranking rk : r.rankings()) {
                sb.append(first ? "<details open>" : "<details>").append("<summary>ranking before iteration ")
                        .append(str(rk.iteration())).append(" (by ").append(esc(rk.basis()))
                        .append("fast".equals(rk.kind()) || "lazy".equals(rk.kind())
                                ? "; " + esc(rk.kind()) + ": " + str(rk.confirmed()) + " scored exactly after the NMSE pre-rank"
                                : "")
                        .append(")</summary>\n");
                sb.append("<table><tr><th>rank</th><th>node</th><th>op</th><th>score</th><th>metric sum</th><th>NMSE to FP32</th><th>pre-rank NMSE gain</th></tr>\n");
                for (RankRow e : rk.entries()) {
                    sb.append("<tr><td class=\"n\">").append(str(e.rank())).append("</td><td>")
                            .append(nodeCell(e.node(), e.group())).append("</td><td>").append(esc(e.opType()))
                            .append("</td><td class=\"n\">").append(num(e.score())).append("</td><td class=\"n\">")
                            .append(num(e.metricSum())).append("</td><td class=\"n\">").append(num(e.nmse()))
                            .append("</td><td class=\"n\">").append(num(e.proxy())).append("</td></tr>\n");
                }
                sb.append("</table></details>\n");
                first = false;
            }
        }
        sb.append("</body></html>\n");
        return sb.toString();
    }

    private static String chart(AccuracyAwarePage r) {
        SvgLineChart chart = new SvgLineChart("iteration (nodes tried)", "accuracy drop");
        if (r.maximalDrop() != null) {
            chart.limit(r.maximalDrop(), "maximal_drop " + fmt(r.maximalDrop()));
        }
        Set<String> names = new LinkedHashSet<>();
        for (MetricRow m : r.metrics()) {
            names.add(str(m.name()));
        }
        for (String name : names) {
            List<double[]> pts = new ArrayList<>();
            Double initial = r.initialDrops().get(name);
            if (initial != null) {
                pts.add(new double[] {0, initial});
            }
            for (Iteration it : r.iterations()) {
                Double drop = it.drops() == null ? null : it.drops().get(name);
                if (drop != null && it.iteration() != null) {
                    pts.add(new double[] {it.iteration(), drop});
                    if ("rolled_back".equals(it.action())) {
                        chart.marker(it.iteration(), drop);
                    }
                }
            }
            chart.series(name, pts);
        }
        return chart.render();
    }

    private static void row(StringBuilder sb, String key, String value) {
        sb.append("<tr><th>").append(esc(key)).append("</th><td>").append(value).append("</td></tr>\n");
    }

    private static String values(Map<String, Double> m) {
        if (m == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        m.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ", ").append(k).append('=').append(v == null ? "" : fmt(v)));
        return sb.toString();
    }

    /** A measured value: its short form, or nothing when the report has none. */
    private static String num(Double v) {
        return v == null ? "" : esc(fmt(v));
    }

    /** A count or name as it is, or nothing when the report has none. */
    private static String str(Object o) {
        return o == null ? "" : String.valueOf(o);
    }

    /** The node in code font, followed by the nodes reverted with it (its quantizer group) when there are any. */
    private static String nodeCell(String node, List<String> group) {
        String name = str(node);
        StringBuilder sb = new StringBuilder("<code>").append(esc(name)).append("</code>");
        List<String> others = new ArrayList<>();
        for (String g : group) {
            if (!name.equals(String.valueOf(g))) {
                others.add("<code>" + esc(String.valueOf(g)) + "</code>");
            }
        }
        if (!others.isEmpty()) {
            sb.append("<br><small>with ").append(String.join(", ", others)).append("</small>");
        }
        return sb.toString();
    }
}
