package org.pot4j.engine.statistics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pot4j.api.DataType;
import org.pot4j.api.Tensor;

/**
 * Folds the batches of one tracked tensor into running statistics. Its state is a few numbers per
 * requested statistic (one per channel for channel means) plus one scratch buffer of one sample's
 * size: it never keeps batches, so memory depends on the tracked tensors, not on the dataset.
 */
final class TensorReducer {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TensorReducer.class);

    private final String tensor;
    private final List<PerSample> perSample = new ArrayList<>();
    private final List<ChannelMean> channelMeans = new ArrayList<>();
    private final boolean needsExtremes;
    private float[] scratch = new float[0];
    private final float[] small = new float[Quantiles.SMALL_RANK];
    private float sampleMin;
    private float sampleMax;

    TensorReducer(String tensor, Set<StatisticSpec> specs) {
        this.tensor = tensor;
        boolean extremes = false;
        for (StatisticSpec s : specs) {
            if (s.kind().perSample()) {
                perSample.add(new PerSample(s));
                extremes |= s.kind() == StatisticKind.MIN || s.kind() == StatisticKind.MAX || s.kind() == StatisticKind.ABS_MAX;
            } else {
                channelMeans.add(new ChannelMean(s));
            }
        }
        this.needsExtremes = extremes;
    }

    String tensor() {
        return tensor;
    }

    /**
     * Adds one batch of this tensor.
     *
     * @param t         the tensor as the model returned it, batch dimension first
     * @param batchRows number of rows the model ran (including padding rows)
     * @param validRows number of leading rows that are real samples
     */
    void accept(Tensor t, int batchRows, int validRows) {
        float[] data = t.dataType() == DataType.FLOAT32 ? t.floats() : t.toFloatArray();
        long[] shape = t.shape();
        if (data.length == 0) {
            return;
        }
        if (!perSample.isEmpty()) {
            int chunk;
            int chunks;
            if (shape.length >= 1 && batchRows > 0 && shape[0] % batchRows == 0) {
                // [B, ...] or batch-major [B*k, ...]: each sample owns a contiguous block
                chunk = data.length / batchRows;
                chunks = validRows;
            } else {
                chunk = data.length;
                chunks = 1;
            }
            for (int c = 0; c < chunks; c++) {
                int from = c * chunk;
                int to = from + chunk;
                if (needsExtremes) {
                    extremes(data, from, to);
                }
                for (PerSample r : perSample) {
                    r.acceptSample(data, from, to);
                }
            }
        }
        for (ChannelMean r : channelMeans) {
            r.accept(data, shape, batchRows, validRows);
        }
    }

    /**
     * Min and max of {@code d[from, to)} in one sweep with two independent lanes to shorten the
     * dependency chain; Math.min/max propagate NaN, so a NaN anywhere is never hidden.
     */
    private void extremes(float[] d, int from, int to) {
        float mn0 = Float.POSITIVE_INFINITY;
        float mn1 = Float.POSITIVE_INFINITY;
        float mx0 = Float.NEGATIVE_INFINITY;
        float mx1 = Float.NEGATIVE_INFINITY;
        int i = from;
        for (; i + 1 < to; i += 2) {
            float a = d[i];
            float b = d[i + 1];
            mn0 = Math.min(mn0, a);
            mx0 = Math.max(mx0, a);
            mn1 = Math.min(mn1, b);
            mx1 = Math.max(mx1, b);
        }
        if (i < to) {
            mn0 = Math.min(mn0, d[i]);
            mx0 = Math.max(mx0, d[i]);
        }
        sampleMin = Math.min(mn0, mn1);
        sampleMax = Math.max(mx0, mx1);
    }

    /** The statistics gathered so far: a Double per per-sample spec, a double[] per channel mean. */
    Map<StatisticSpec, Object> results() {
        Map<StatisticSpec, Object> out = new LinkedHashMap<>();
        for (PerSample r : perSample) {
            out.put(r.spec, r.aggregate.value(r.spec.aggregator()));
        }
        for (ChannelMean r : channelMeans) {
            out.put(r.spec, r.means());
        }
        return out;
    }

    /**
     * Number of numbers of running state (not counting the one-sample scratch buffer): what the
     * reducer keeps between batches.
     */
    long stateSize() {
        long n = 4L * perSample.size();
        for (ChannelMean r : channelMeans) {
            n += r.sums.length + 1;
        }
        return n;
    }

    /** Size of the reusable one-sample scratch buffer. */
    int scratchSize() {
        return scratch.length;
    }

    private float[] scratch(int n) {
        if (scratch.length < n) {
            scratch = new float[n];
        }
        return scratch;
    }

    /** A per-sample reduction folded by an aggregator. */
    private final class PerSample {
        final StatisticSpec spec;
        final RunningAggregate aggregate = new RunningAggregate();

        PerSample(StatisticSpec spec) {
            this.spec = spec;
        }

        void acceptSample(float[] d, int from, int to) {
            aggregate.add(reduce(d, from, to));
        }

        private double reduce(float[] d, int from, int to) {
            switch (spec.kind()) {
                case MIN:
                    return sampleMin;
                case MAX:
                    return sampleMax;
                case ABS_MAX:
                    // NaN propagates through Math.max, so a NaN sample is never hidden
                    return Math.max(Math.abs(sampleMin), Math.abs(sampleMax));
                case QUANTILE:
                case ABS_QUANTILE:
                    return Quantiles.quantile(d, from, to, spec.quantile(), spec.kind() == StatisticKind.ABS_QUANTILE,
                            scratch(to - from), small);
                default:
                    throw new IllegalStateException(spec.toString());
            }
        }
    }

    /** Running per-channel sums and the element count behind each (for CHANNEL_ABS_MAX: running maxima of |x|). */
    private final class ChannelMean {
        final StatisticSpec spec;
        double[] sums = new double[0];
        long count;
        String failure;

        ChannelMean(StatisticSpec spec) {
            this.spec = spec;
        }

        /** A tensor without that channel axis has no channel means; callers see null and decide. */
        private void fail(String why) {
            failure = why;
            sums = new double[0];
            LOG.debug("no {} for {}: {}", spec, tensor, why);
        }

        void accept(float[] d, long[] shape, int batchRows, int validRows) {
            if (failure != null) {
                return;
            }
            int rank = shape.length;
            int axis = spec.channelAxis() < 0 ? rank + spec.channelAxis() : spec.channelAxis();
            if (axis < 0 || axis >= rank) {
                fail("channel axis " + spec.channelAxis() + " does not exist in tensor '" + tensor + "' of shape "
                        + Arrays.toString(shape));
                return;
            }
            int channels = (int) shape[axis];
            if (count == 0 && sums.length == 0) {
                sums = new double[channels];
            } else if (sums.length != channels) {
                fail("tensor '" + tensor + "' changed its channel count from " + sums.length + " to " + channels
                        + " between batches");
                return;
            }
            long outer = 1;
            for (int i = 0; i < axis; i++) {
                outer *= shape[i];
            }
            long inner = 1;
            for (int i = axis + 1; i < rank; i++) {
                inner *= shape[i];
            }
            if (axis > 0 && validRows < batchRows && shape[0] == batchRows) {
                // padding rows of a fixed-batch model are the trailing rows: leave them out
                outer = outer / batchRows * validRows;
            }
            int in = (int) inner;
            int pos = 0;
            if (spec.kind() == StatisticKind.CHANNEL_ABS_MAX) {
                for (long o = 0; o < outer; o++) {
                    for (int c = 0; c < channels; c++) {
                        float m = 0;
                        for (int j = 0; j < in; j++) {
                            m = Math.max(m, Math.abs(d[pos + j]));
                        }
                        sums[c] = Math.max(sums[c], m);
                        pos += in;
                    }
                }
                count += outer * inner;
                return;
            }
            for (long o = 0; o < outer; o++) {
                for (int c = 0; c < channels; c++) {
                    // four partial sums break the add-latency chain of one accumulator
                    double s0 = 0;
                    double s1 = 0;
                    double s2 = 0;
                    double s3 = 0;
                    int j = 0;
                    for (; j + 3 < in; j += 4) {
                        s0 += d[pos + j];
                        s1 += d[pos + j + 1];
                        s2 += d[pos + j + 2];
                        s3 += d[pos + j + 3];
                    }
                    for (; j < in; j++) {
                        s0 += d[pos + j];
                    }
                    sums[c] += (s0 + s1) + (s2 + s3);
                    pos += in;
                }
            }
            count += outer * inner;
        }

        double[] means() {
            if (failure != null) {
                return null;
            }
            if (spec.kind() == StatisticKind.CHANNEL_ABS_MAX) {
                return count == 0 ? null : sums.clone(); // running maxima, not sums
            }
            double[] m = new double[sums.length];
            for (int c = 0; c < m.length; c++) {
                m[c] = count == 0 ? Double.NaN : sums[c] / count;
            }
            return m;
        }
    }
}
