package org.pot4j.engine.statistics;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The statistics every algorithm of a run needs, by tensor name. Algorithms add what they need and
 * the requests are merged, so one pass over the data serves them all (POT's merged statistics
 * collection). Mutable; not thread-safe.
 */
public final class StatisticsRequest {
    private final Map<String, Set<StatisticSpec>> specs = new LinkedHashMap<>();

    /** Asks for {@code spec} of {@code tensor}; duplicates are merged. */
    public StatisticsRequest add(String tensor, StatisticSpec spec) {
        specs.computeIfAbsent(Objects.requireNonNull(tensor, "tensor"), k -> new LinkedHashSet<>())
                .add(Objects.requireNonNull(spec, "spec"));
        return this;
    }

    /** Adds everything {@code other} asks for. */
    public StatisticsRequest merge(StatisticsRequest other) {
        other.specs.forEach((t, set) -> set.forEach(s -> add(t, s)));
        return this;
    }

    /** The tensors to track, in the order they were first requested. */
    public Set<String> tensors() {
        return Collections.unmodifiableSet(specs.keySet());
    }

    /** What is asked for {@code tensor} (empty when nothing). */
    public Set<StatisticSpec> specs(String tensor) {
        return Collections.unmodifiableSet(specs.getOrDefault(tensor, Set.of()));
    }

    /** True when nothing is requested. */
    public boolean isEmpty() {
        return specs.isEmpty();
    }

    /** Number of (tensor, statistic) pairs. */
    public int size() {
        return specs.values().stream().mapToInt(Set::size).sum();
    }

    @Override
    public String toString() {
        return "StatisticsRequest" + specs;
    }
}
