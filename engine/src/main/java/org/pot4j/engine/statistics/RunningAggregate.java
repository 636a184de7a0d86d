package org.pot4j.engine.statistics;

/** Constant-size running fold of per-sample values: min, max and mean at once. */
final class RunningAggregate {
    private double min = Double.POSITIVE_INFINITY;
    private double max = Double.NEGATIVE_INFINITY;
    private double sum;
    private long count;

    void add(double v) {
        if (v < min) {
            min = v;
        }
        if (v > max) {
            max = v;
        }
        sum += v;
        count++;
        if (Double.isNaN(v)) {
            min = max = Double.NaN;
        }
    }

    long count() {
        return count;
    }

    double value(Aggregator aggregator) {
        if (count == 0) {
            return Double.NaN;
        }
        switch (aggregator) {
            case MIN: return min;
            case MAX: return max;
            default: return sum / count;
        }
    }
}
