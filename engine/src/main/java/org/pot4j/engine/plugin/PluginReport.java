package org.pot4j.engine.plugin;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What {@code pot4j plugins} prints: each provider with its version, source and capabilities, and
 * everything that failed to load.
 *
 * @param entries  discovered providers, by kind then name
 * @param failures providers and plugins skipped, with the reason
 */
public record PluginReport(List<Entry> entries, List<PluginFailure> failures) {
    /** Copies. */
    public PluginReport {
        entries = List.copyOf(entries);
        failures = List.copyOf(failures);
    }

    /** The entries of one kind. */
    public List<Entry> entries(PluginKind kind) {
        return entries.stream().filter(e -> e.kind() == kind).toList();
    }

    /**
     * One discovered provider.
     *
     * @param kind          what it provides
     * @param name          name used in configs
     * @param version       reported version
     * @param source        {@code classpath} or {@code plugins/<name>}
     * @param providerClass implementing class
     * @param capabilities  backend capabilities (empty for other kinds or a failed backend)
     * @param status        {@code ok}, or {@code failed: <reason>} for a backend that cannot start
     */
    public record Entry(PluginKind kind, String name, String version, String source, String providerClass,
                        Set<String> capabilities, String status) {
        /** Copies. */
        public Entry {
            capabilities = Set.copyOf(capabilities);
        }

        /** True unless the provider failed to start. */
        public boolean ok() {
            return status.equals("ok");
        }
    }

    /** A plain-text table (kind, name, version, source, status/capabilities), then the failures. */
    public String toTable() {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"KIND", "NAME", "VERSION", "SOURCE", "STATUS / CAPABILITIES"});
        for (Entry e : entries) {
            String last = !e.ok() ? e.status()
                    : e.capabilities().isEmpty() ? "ok" : String.join(",", new java.util.TreeSet<>(e.capabilities()));
            rows.add(new String[] {e.kind().label(), e.name(), e.version(), e.source(), last});
        }
        int[] width = new int[5];
        for (String[] r : rows) {
            for (int i = 0; i < 4; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String[] r : rows) {
            for (int i = 0; i < 4; i++) {
                sb.append(String.format("%-" + (width[i] + 2) + "s", r[i]));
            }
            sb.append(r[4]).append(System.lineSeparator());
        }
        if (!failures.isEmpty()) {
            sb.append(System.lineSeparator()).append("Skipped:").append(System.lineSeparator());
            for (PluginFailure f : failures) {
                sb.append("  ").append(f.describe()).append(System.lineSeparator());
            }
        }
        return sb.toString();
    }
}
