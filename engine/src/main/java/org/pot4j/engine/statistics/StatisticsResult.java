package org.pot4j.engine.statistics;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a statistics pass found: for each tracked tensor, one number per per-sample statistic and
 * one array per channel mean. Immutable.
 */
public final class StatisticsResult {
    private final Map<String, Map<StatisticSpec, Object>> values;
    private final int sampleCount;
    private final long stateSize;
    private final double seconds;

    StatisticsResult(Map<String, Map<StatisticSpec, Object>> values, int sampleCount, long stateSize, double seconds) {
        Map<String, Map<StatisticSpec, Object>> copy = new LinkedHashMap<>();
        values.forEach((k, v) -> copy.put(k, Collections.unmodifiableMap(new LinkedHashMap<>(v))));
        this.values = Collections.unmodifiableMap(copy);
        this.sampleCount = sampleCount;
        this.stateSize = stateSize;
        this.seconds = seconds;
    }

    /** The tracked tensors. */
    public java.util.Set<String> tensors() {
        return values.keySet();
    }

    /** True when {@code spec} of {@code tensor} was collected. */
    public boolean has(String tensor, StatisticSpec spec) {
        return values.containsKey(tensor) && values.get(tensor).containsKey(spec);
    }

    /**
     * A per-sample statistic folded over the samples.
     *
     * @throws IllegalArgumentException when it was not requested
     */
    public double value(String tensor, StatisticSpec spec) {
        Object v = get(tensor, spec);
        if (!(v instanceof Double d)) {
            throw new IllegalArgumentException(spec + " of '" + tensor + "' is not a scalar statistic");
        }
        return d;
    }

    /**
     * Channel means (a copy), or null when the tensor has no such channel axis (or changed its
     * channel count between batches).
     *
     * @throws IllegalArgumentException when they were not requested
     */
    public double[] channelMeans(String tensor, StatisticSpec spec) {
        Object v = get(tensor, spec);
        if (v == null) {
            return null;
        }
        if (!(v instanceof double[] d)) {
            throw new IllegalArgumentException(spec + " of '" + tensor + "' is not a channel statistic");
        }
        return d.clone();
    }

    /** Number of samples the pass ran. */
    public int sampleCount() {
        return sampleCount;
    }

    /** Numbers of running state the reducers held at the end (memory is bounded by this, not the data). */
    public long stateSize() {
        return stateSize;
    }

    /** Wall time of the pass in seconds. */
    public double seconds() {
        return seconds;
    }

    private Object get(String tensor, StatisticSpec spec) {
        Map<StatisticSpec, Object> m = values.get(tensor);
        if (m == null || !m.containsKey(spec)) {
            throw new IllegalArgumentException("no " + spec + " was collected for tensor '" + tensor + "'");
        }
        return m.get(spec);
    }

    @Override
    public String toString() {
        return "StatisticsResult[" + values.size() + " tensors, " + sampleCount + " samples]";
    }
}
