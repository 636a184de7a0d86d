package org.pot4j.engine.algorithms.minmax;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.model.BackendCapability;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.engine.algorithms.BackendCapabilities;
import org.pot4j.engine.config.PlanJson;

/** Which channels of a dynamic input go to float, and when the split is on. */
class OutlierChannelsTest {
    @Test
    void channelsAboveRatioTimesTheMedianLargestFirstCappedAndSorted() {
        // MiniLM-like: median ~1.9, one channel at 28.5, one at 14, the rest small
        double[] amax = new double[384];
        java.util.Arrays.fill(amax, 1.9);
        amax[308] = 28.5;
        amax[17] = 14.0;
        amax[200] = 7.1;
        OutlierChannels six = new OutlierChannels(6, 8);
        assertArrayEquals(new int[] {17, 308}, six.select(amax), "7.1 is below 6 x 1.9");
        assertArrayEquals(new int[] {17, 200, 308}, new OutlierChannels(3, 8).select(amax));
        assertArrayEquals(new int[] {308}, new OutlierChannels(3, 1).select(amax), "the largest first");
        java.util.Arrays.fill(amax, 2.0);
        assertEquals(0, six.select(amax).length, "no outlier, no split");
        assertEquals(0, OutlierChannels.OFF.select(new double[] {1, 1, 100}).length);
        assertEquals(0, six.select(null).length, "a tensor without channel statistics");
    }

    @Test
    void onByDefaultForDynamicActivationsOnBackendsThatCanAndConfigurable() {
        Set<BackendCapability> all = EnumSet.copyOf(BackendCapabilities.assumed());
        all.add(BackendCapability.FLOAT_OUTLIER_CHANNELS);
        all.add(BackendCapability.DYNAMIC_ACTIVATIONS);
        Set<BackendCapability> without = EnumSet.copyOf(all);
        without.remove(BackendCapability.FLOAT_OUTLIER_CHANNELS);
        Map<String, Object> transformer = Map.of("model_type", "transformer");
        assertEquals(new OutlierChannels(OutlierChannels.DEFAULT_RATIO, OutlierChannels.DEFAULT_MAX_CHANNELS),
                MinMaxParameters.parse("t", transformer, all).outliers());
        assertFalse(MinMaxParameters.parse("t", transformer, without).outliers().enabled());
        assertFalse(MinMaxParameters.parse("t", Map.of(), all).outliers().enabled(), "static activations: no split");
        assertFalse(MinMaxParameters.parse("t", Map.of("model_type", "transformer",
                "activations", Map.of("outlier_channels", false)), all).outliers().enabled());
        assertEquals(new OutlierChannels(4, 2), MinMaxParameters.parse("t", Map.of("model_type", "transformer",
                "activations", Map.of("outlier_channels", Map.of("ratio", 4, "max_channels", 2))), all).outliers());
        assertThrows(Pot4jException.class, () -> MinMaxParameters.parse("t", Map.of("model_type", "transformer",
                "activations", Map.of("outlier_channels", Map.of("ratio", 0.5))), all));
        assertThrows(Pot4jException.class, () -> MinMaxParameters.parse("t", Map.of("model_type", "transformer",
                "activations", Map.of("outlier_channels", Map.of("channels", 2))), all));
    }

    @Test
    void planJsonKeepsTheChannelsAndLeavesPlansWithoutThemAsBefore() {
        QuantizationPlan plan = QuantizationPlan.builder().floatChannels("ln", new int[] {17, 308}).build();
        String json = PlanJson.write(plan);
        assertTrue(json.contains("\"float_channels\""), json);
        assertEquals(plan, PlanJson.read(json));
        assertArrayEquals(new int[] {17, 308}, PlanJson.read(json).floatChannels().get("ln"));
        assertFalse(PlanJson.write(QuantizationPlan.EMPTY).contains("float_channels"));
        assertFalse(plan.equals(QuantizationPlan.builder().floatChannels("ln", new int[] {17}).build()));
        assertFalse(json.contains("float_channel_divisors"), "plans without divisors are written as before");
    }

    @Test
    void divisorsBringEachChannelDownToTheLargestOtherChannelAndSurviveThePlanJson() {
        double[] ranges = {1, 2, 28, 1.5, 3, 12};
        int[] channels = new OutlierChannels(4, 8).select(ranges);
        assertArrayEquals(new int[] {2, 5}, channels);
        assertArrayEquals(new float[] {28f / 3, 4f}, OutlierChannels.divisors(ranges, channels), 1e-6f);
        QuantizationPlan plan = QuantizationPlan.builder().floatChannels("ln", channels, OutlierChannels.divisors(ranges, channels)).build();
        QuantizationPlan read = PlanJson.read(PlanJson.write(plan));
        assertEquals(plan, read);
        assertArrayEquals(new float[] {28f / 3, 4f}, read.channelDivisors().get("ln"), 1e-6f);
        assertFalse(plan.equals(QuantizationPlan.builder().floatChannels("ln", channels).build()));
        assertThrows(IllegalArgumentException.class, () -> QuantizationPlan.builder().floatChannels("ln", channels, new float[] {2f}));
        assertThrows(IllegalArgumentException.class, () -> QuantizationPlan.builder().floatChannels("ln", channels, new float[] {2f, 0.5f}));
    }
}
