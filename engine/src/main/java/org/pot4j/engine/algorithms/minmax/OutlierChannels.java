package org.pot4j.engine.algorithms.minmax;

import java.util.Arrays;
import java.util.Set;
import org.pot4j.api.model.BackendCapability;
import org.pot4j.engine.config.ConfigErrors;

/**
 * Which channels of a dynamically quantized activation are computed in float
 * ({@code activations: {outlier_channels: {ratio: R, max_channels: K}}}, or {@code outlier_channels: false}).
 *
 * <p>Why: a per-tensor dynamic range is set by the largest value of the batch. In transformer encoders a
 * few hidden channels carry values an order of magnitude above the rest (MiniLM-L6: the attention output
 * LayerNorm has one channel reaching 28 where the median channel reaches 1.9; the GELU outputs one reaching
 * 25 where the median reaches 1.5), so the int8 step is ~10x coarser than the other channels need.
 * Taking those channels out of the integer product and adding their contribution in float (a
 * {@code [tokens, k] x [k, N]} product over the matching weight rows, LLM.int8()'s decomposition with a
 * calibrated channel list) removes the outlier from the range. A channel is an outlier when its calibration
 * absolute maximum exceeds {@code ratio} times the median channel's; at most {@code max_channels} (the
 * largest) per tensor.
 *
 * @param ratio       outlier threshold relative to the median channel maximum; 0 turns the split off
 * @param maxChannels most channels per tensor computed in float
 */
public record OutlierChannels(double ratio, int maxChannels) {
    /** Default threshold: measured on MiniLM-L6 (examples/minilm/README.md). */
    public static final double DEFAULT_RATIO = 4;
    /** Default cap per tensor. */
    public static final int DEFAULT_MAX_CHANNELS = 8;
    /** No channel in float. */
    public static final OutlierChannels OFF = new OutlierChannels(0, 0);

    /** True when some channels may be computed in float. */
    public boolean enabled() {
        return ratio > 0 && maxChannels > 0;
    }

    /** Resolves {@code activations.outlier_channels} as given ({@code true}/{@code false}, a map, or null). */
    static OutlierChannels parse(Object given, boolean dynamic, Set<BackendCapability> caps, String algorithm) {
        boolean capable = dynamic && caps.contains(BackendCapability.FLOAT_OUTLIER_CHANNELS);
        String path = "params.activations.outlier_channels";
        if (given == null) {
            return capable ? new OutlierChannels(DEFAULT_RATIO, DEFAULT_MAX_CHANNELS) : OFF;
        }
        if (!(given instanceof java.util.Map)) {
            boolean on = given instanceof Boolean b ? b
                    : given instanceof String str && (str.equalsIgnoreCase("true") || str.equalsIgnoreCase("false"))
                    ? Boolean.parseBoolean(str) : invalidSwitch(given, algorithm, path);
            return on && capable ? new OutlierChannels(DEFAULT_RATIO, DEFAULT_MAX_CHANNELS) : OFF;
        }
        MinMaxKeys.Outliers o = MinMaxKeys.nested(given, MinMaxKeys.Outliers.class, algorithm, path,
                "{ratio: 6, max_channels: 8}");
        double ratio = o.ratio() == null ? DEFAULT_RATIO : o.ratio();
        if (!(ratio >= 1) && ratio != 0) {
            throw ConfigErrors.invalid(null, path + ".ratio", "of " + MinMaxKeys.where(algorithm)
                    + " must be 0 (off) or at least 1, not " + ratio);
        }
        int max = o.maxChannels() == null ? DEFAULT_MAX_CHANNELS : o.maxChannels();
        return capable ? new OutlierChannels(ratio, max) : OFF;
    }

    private static boolean invalidSwitch(Object given, String algorithm, String path) {
        throw ConfigErrors.invalid(null, path, "of " + MinMaxKeys.where(algorithm) + " must be true, false or"
                + " {ratio, max_channels}, got " + given);
    }

    /**
     * The outlier channels of one tensor, ascending, from its per-channel calibration absolute maxima;
     * empty when none stands out.
     */
    public int[] select(double[] channelAbsMax) {
        if (!enabled() || channelAbsMax == null || channelAbsMax.length < 2) {
            return new int[0];
        }
        double[] sorted = channelAbsMax.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        double threshold = ratio * median;
        if (!(threshold > 0)) {
            return new int[0];
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        // largest first; ties by index, so the choice is deterministic
        Arrays.sort(order, (a, b) -> channelAbsMax[a] != channelAbsMax[b] ? Double.compare(channelAbsMax[b], channelAbsMax[a])
                : Integer.compare(a, b));
        int k = 0;
        while (k < Math.min(maxChannels, n - 1) && channelAbsMax[order[k]] > threshold) {
            k++;
        }
        int[] out = new int[k];
        for (int i = 0; i < k; i++) {
            out[i] = order[i];
        }
        Arrays.sort(out);
        return out;
    }

    /**
     * Per selected channel, its range over the largest range of the unselected channels (at least 1): dividing the
     * channel by it brings it into the range the other channels already set.
     */
    public static float[] divisors(double[] channelAbsMax, int[] channels) {
        boolean[] selected = new boolean[channelAbsMax.length];
        for (int c : channels) {
            selected[c] = true;
        }
        double rest = 0;
        for (int i = 0; i < channelAbsMax.length; i++) {
            if (!selected[i] && channelAbsMax[i] > rest) {
                rest = channelAbsMax[i];
            }
        }
        float[] out = new float[channels.length];
        for (int i = 0; i < channels.length; i++) {
            double d = rest > 0 ? channelAbsMax[channels[i]] / rest : 1;
            out[i] = (float) (Double.isFinite(d) ? Math.max(1, d) : 1);
        }
        return out;
    }

    /** For the plan's metadata. */
    String description() {
        return enabled() ? ", outlier channels in float (> " + ratio + "x median, at most " + maxChannels + ")" : "";
    }
}
