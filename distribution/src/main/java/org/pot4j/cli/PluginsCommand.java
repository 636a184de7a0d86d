package org.pot4j.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.pot4j.api.ProgressListener;
import org.pot4j.engine.Pot4j;
import org.pot4j.engine.plugin.PluginFailure;
import org.pot4j.engine.plugin.PluginKind;
import org.pot4j.engine.plugin.PluginReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code pot4j plugins}: what is installed — backends with their capabilities, metrics,
 * algorithms and dataset readers, each with version and source — and every plugin that failed to
 * load, with the reason. Starting each backend once is part of it, so a backend whose native
 * runtime is broken shows up here as failed.
 */
@Command(name = "plugins", mixinStandardHelpOptions = true,
        description = "List the installed backends, metrics, algorithms and dataset readers, and plugins that failed to load.")
final class PluginsCommand implements Callable<Integer> {
    @ParentCommand
    Pot4jCli root;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PluginReport report;
        try (Pot4j pot4j = root.engine(ProgressListener.NONE)) {
            report = pot4j.plugins();
        }
        out.print(format(report));
        out.flush();
        return ExitCode.OK;
    }

    /** Sections per kind, then the failures. */
    static String format(PluginReport report) {
        StringBuilder sb = new StringBuilder();
        for (PluginKind kind : PluginKind.values()) {
            List<PluginReport.Entry> entries = report.entries(kind);
            sb.append(title(kind)).append(" (").append(entries.size()).append(")\n");
            if (entries.isEmpty()) {
                sb.append("  none installed\n\n");
                continue;
            }
            TextTable table = kind == PluginKind.BACKEND
                    ? new TextTable("name", "version", "source", "status", "capabilities")
                    : new TextTable("name", "version", "source");
            for (PluginReport.Entry e : entries) {
                if (kind == PluginKind.BACKEND) {
                    // a backend that cannot start is also among the failures, with its full reason
                    table.row(e.name(), e.version(), e.source(), e.ok() ? "ok" : "failed (see below)", capabilities(e));
                } else {
                    table.row(e.name(), e.version(), e.source());
                }
            }
            sb.append(indent(table.render())).append('\n');
        }
        List<PluginFailure> failures = report.failures();
        sb.append("Failed plugins (").append(failures.size()).append(")\n");
        if (failures.isEmpty()) {
            sb.append("  none\n");
        } else {
            TextTable table = new TextTable("source", "kind", "provider", "reason");
            for (PluginFailure f : failures) {
                table.row(f.source().label(), f.kind() == null ? "plugin" : f.kind().label(),
                        f.provider() == null ? "-" : f.provider(), ErrorReporter.oneLine(f.reason()));
            }
            sb.append(indent(table.render()));
        }
        return sb.toString();
    }

    private static String title(PluginKind kind) {
        switch (kind) {
            case BACKEND: return "Backends";
            case METRIC: return "Metrics";
            case ALGORITHM: return "Algorithms";
            default: return "Dataset readers";
        }
    }

    /** {@code PER_CHANNEL_WEIGHTS} reads better as {@code per-channel-weights}. */
    private static String capabilities(PluginReport.Entry e) {
        return e.capabilities().stream().sorted().map(c -> c.toLowerCase(Locale.ROOT).replace('_', '-'))
                .collect(Collectors.joining(", "));
    }

    private static String indent(String text) {
        return text.lines().map(l -> "  " + l).collect(Collectors.joining("\n", "", "\n"));
    }
}
