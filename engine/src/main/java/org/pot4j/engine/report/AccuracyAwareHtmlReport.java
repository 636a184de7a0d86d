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

/**
 * Renders an AccuracyAwareQuantization report (the map that also goes to
 * {@code accuracy-aware-report.json}) as one self-contained HTML page: summary, metric table, an
 * inline SVG plot of the drop per iteration with the {@code maximal_drop} line, the iteration log,
 * the reverted nodes and the layer rankings. No scripts, styles or images are loaded from anywhere.
 */
public final class AccuracyAwareHtmlReport {
    private AccuracyAwareHtmlReport() {
    }

    /** Writes the page to {@code target} atomically. */
    public static void write(Path target, Map<String, ?> report) {
        AtomicFiles.writeString(target, render(report));
    }

    /** The page. */
    public static String render(Map<String, ?> r) {
        StringBuilder sb = new StringBuilder();
        sb.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<title>pot4j AccuracyAwareQuantization report</title>\n<style>"
                + "body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}"
                + "td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;font-size:13px}th{background:#f4f4f4}"
                + "td.n{text-align:right;font-family:monospace}.ok{color:#2ca02c;font-weight:bold}"
                + ".warn{color:#d62728;font-weight:bold}code{background:#f4f4f4;padding:1px 3px}"
                + "</style></head><body>\n");
        String status = str(r.get("status"));
        sb.append("<h1>AccuracyAwareQuantization</h1>\n<p>Status: <span class=\"")
                .append("TARGET_MET".equals(status) ? "ok" : "warn").append("\">").append(esc(status)).append("</span>");
        if (r.get("stop_reason") != null) {
            sb.append(" &mdash; ").append(esc(str(r.get("stop_reason"))));
        }
        sb.append("</p>\n<table>");
        row(sb, "maximal_drop", num(r.get("maximal_drop")) + " (" + esc(str(r.get("drop_type"))) + ")");
        row(sb, "drop before reverting", num(r.get("initial_drop")));
        row(sb, "final drop", num(r.get("final_drop")));
        row(sb, "base algorithm", esc(str(r.get("base_algorithm")))
                + (Boolean.TRUE.equals(r.get("preset_converted_to_mixed")) ? " (converted to mixed preset)" : ""));
        row(sb, "reverted to FP32", str(r.get("reverted_count")) + " of " + str(r.get("quantized_node_count"))
                + " quantized nodes (" + num(r.get("reverted_percent")) + "%)");
        row(sb, "validation samples", str(r.get("validation_samples")) + " (ranking subset " + str(r.get("ranking_subset_size")) + ")");
        Map<String, ?> timing = map(r.get("timing"));
        if (timing != null) {
            row(sb, "wall time", num(timing.get("total_seconds")) + " s = " + num(timing.get("total_in_validation_passes"))
                    + " x one validation pass (" + num(timing.get("validation_pass_seconds")) + " s, "
                    + esc(str(timing.get("validation_pass"))) + ")");
        }
        Map<String, ?> cost = map(r.get("cost"));
        if (cost != null) {
            row(sb, "cost (ranking " + esc(str(r.get("ranking"))) + ")", "ranking " + num(cost.get("ranking_passes"))
                    + " validation passes (" + num(cost.get("ranking_seconds")) + " s), screening plans on the ranking subset "
                    + num(cost.get("screen_passes")) + " passes (" + num(cost.get("screen_seconds")) + " s), validating plans "
                    + num(cost.get("validation_passes")) + " passes (" + num(cost.get("validation_seconds"))
                    + " s); before the search: base algorithm " + num(cost.get("base_seconds")) + " s, "
                    + num(cost.get("initial_passes")) + " passes (" + num(cost.get("initial_seconds")) + " s)");
        }
        if (Boolean.TRUE.equals(r.get("resumed"))) {
            row(sb, "resumed", "yes, from a checkpoint");
        }
        sb.append("</table>\n");

        List<Map<String, ?>> metrics = maps(r.get("metrics"));
        if (!metrics.isEmpty()) {
            sb.append("<h2>Metrics</h2>\n<table><tr><th>metric</th><th>direction</th><th>FP32 baseline</th>"
                    + "<th>baseline from</th><th>INT8 before</th><th>final</th><th>final drop</th></tr>\n");
            for (Map<String, ?> m : metrics) {
                sb.append("<tr><td>").append(esc(str(m.get("name")))).append("</td><td>").append(esc(str(m.get("direction"))))
                        .append("</td><td class=\"n\">").append(num(m.get("baseline"))).append("</td><td>")
                        .append(esc(str(m.get("baseline_source")))).append("</td><td class=\"n\">").append(num(m.get("int8")))
                        .append("</td><td class=\"n\">").append(num(m.get("final"))).append("</td><td class=\"n\">")
                        .append(num(m.get("final_drop"))).append("</td></tr>\n");
            }
            sb.append("</table>\n");
        }

        List<Map<String, ?>> iterations = maps(r.get("iterations"));
        sb.append("<h2>Drop per iteration</h2>\n");
        sb.append(chart(r, metrics, iterations)).append('\n');

        sb.append("<h2>Iterations</h2>\n");
        if (iterations.isEmpty()) {
            sb.append("<p>No node was reverted.</p>\n");
        } else {
            sb.append("<table><tr><th>#</th><th>node</th><th>op</th><th>action</th><th>drop</th><th>values</th>"
                    + "<th>re-ranked before</th><th>time (s)</th></tr>\n");
            for (Map<String, ?> it : iterations) {
                sb.append("<tr><td class=\"n\">").append(str(it.get("iteration"))).append("</td><td>")
                        .append(nodeCell(it)).append("</td><td>").append(esc(str(it.get("op_type"))))
                        .append("</td><td>").append(esc(str(it.get("action")))).append("</td><td class=\"n\">")
                        .append(num(it.get("drop"))).append("</td><td>").append(esc(values(map(it.get("values")))))
                        .append("</td><td>").append(Boolean.TRUE.equals(it.get("reranked")) ? "yes" : "")
                        .append("</td><td class=\"n\">").append(num(it.get("seconds"))).append("</td></tr>\n");
            }
            sb.append("</table>\n");
        }

        sb.append("<h2>Reverted to FP32</h2>\n");
        List<?> reverted = list(r.get("reverted_nodes"));
        if (reverted.isEmpty()) {
            sb.append("<p>None.</p>\n");
        } else {
            sb.append("<ol>");
            for (Object o : reverted) {
                sb.append("<li><code>").append(esc(str(o))).append("</code></li>");
            }
            sb.append("</ol>\n");
        }

        List<Map<String, ?>> rankings = maps(r.get("rankings"));
        if (!rankings.isEmpty()) {
            sb.append("<h2>Layer ranking</h2>\n<p>Each quantized node reverted alone (with the weightless producers whose output "
                    + "quantizer only it reads) and scored on the ranking subset; "
                    + "the first row is reverted first.</p>\n");
            boolean first = true;
            for (Map<String, ?> rk : rankings) {
                sb.append(first ? "<details open>" : "<details>").append("<summary>ranking before iteration ")
                        .append(num(rk.get("iteration"))).append(" (by ").append(esc(str(rk.get("basis"))))
                        .append("fast".equals(rk.get("kind")) || "lazy".equals(rk.get("kind"))
                                ? "; " + esc(str(rk.get("kind"))) + ": " + str(rk.get("confirmed")) + " scored exactly after the NMSE pre-rank"
                                : "")
                        .append(")</summary>\n");
                sb.append("<table><tr><th>rank</th><th>node</th><th>op</th><th>score</th><th>metric sum</th><th>NMSE to FP32</th><th>pre-rank NMSE gain</th></tr>\n");
                for (Map<String, ?> e : maps(rk.get("entries"))) {
                    sb.append("<tr><td class=\"n\">").append(str(e.get("rank"))).append("</td><td>")
                            .append(nodeCell(e)).append("</td><td>").append(esc(str(e.get("op_type"))))
                            .append("</td><td class=\"n\">").append(num(e.get("score"))).append("</td><td class=\"n\">")
                            .append(num(e.get("metric_sum"))).append("</td><td class=\"n\">").append(num(e.get("nmse")))
                            .append("</td><td class=\"n\">").append(num(e.get("proxy"))).append("</td></tr>\n");
                }
                sb.append("</table></details>\n");
                first = false;
            }
        }
        sb.append("</body></html>\n");
        return sb.toString();
    }

    private static String chart(Map<String, ?> r, List<Map<String, ?>> metrics, List<Map<String, ?>> iterations) {
        SvgLineChart chart = new SvgLineChart("iteration (nodes tried)", "accuracy drop");
        Object md = r.get("maximal_drop");
        if (md instanceof Number n) {
            chart.limit(n.doubleValue(), "maximal_drop " + fmt(n.doubleValue()));
        }
        Set<String> names = new LinkedHashSet<>();
        for (Map<String, ?> m : metrics) {
            names.add(str(m.get("name")));
        }
        Map<String, ?> initialDrops = map(r.get("initial_drops"));
        for (String name : names) {
            List<double[]> pts = new ArrayList<>();
            if (initialDrops != null && initialDrops.get(name) instanceof Number n) {
                pts.add(new double[] {0, n.doubleValue()});
            }
            for (Map<String, ?> it : iterations) {
                Map<String, ?> drops = map(it.get("drops"));
                if (drops != null && drops.get(name) instanceof Number n && it.get("iteration") instanceof Number x) {
                    pts.add(new double[] {x.doubleValue(), n.doubleValue()});
                    if ("rolled_back".equals(it.get("action"))) {
                        chart.marker(x.doubleValue(), n.doubleValue());
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

    private static String values(Map<String, ?> m) {
        if (m == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        m.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ", ").append(k).append('=').append(numText(v)));
        return sb.toString();
    }

    private static String num(Object o) {
        return esc(numText(o));
    }

    private static String numText(Object o) {
        if (o instanceof Double || o instanceof Float) {
            return fmt(((Number) o).doubleValue());
        }
        return o == null ? "" : String.valueOf(o);
    }

    private static String str(Object o) {
        return o == null ? "" : String.valueOf(o);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, ?> map(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, ?>) m : null;
    }

    private static List<?> list(Object o) {
        return o instanceof List<?> l ? l : List.of();
    }

    private static List<Map<String, ?>> maps(Object o) {
        List<Map<String, ?>> out = new ArrayList<>();
        for (Object e : list(o)) {
            Map<String, ?> m = map(e);
            if (m != null) {
                out.add(m);
            }
        }
        return out;
    }

    /** The node in code font, followed by the nodes reverted with it (its quantizer group) when there are any. */
    private static String nodeCell(Map<String, ?> row) {
        String node = str(row.get("node"));
        StringBuilder sb = new StringBuilder("<code>").append(esc(node)).append("</code>");
        List<?> group = list(row.get("group"));
        List<String> others = new ArrayList<>();
        for (Object g : group) {
            if (!node.equals(String.valueOf(g))) {
                others.add("<code>" + esc(String.valueOf(g)) + "</code>");
            }
        }
        if (!others.isEmpty()) {
            sb.append("<br><small>with ").append(String.join(", ", others)).append("</small>");
        }
        return sb.toString();
    }
}
