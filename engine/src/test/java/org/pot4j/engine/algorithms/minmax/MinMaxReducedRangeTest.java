package org.pot4j.engine.algorithms.minmax;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.pot4j.api.model.BackendCapability;

/** Weights drop to 7 bits only when the backend's integer kernels saturate and the user set no bits. */
class MinMaxReducedRangeTest {
    private static final Set<BackendCapability> PLAIN = EnumSet.of(BackendCapability.PER_CHANNEL_WEIGHTS);
    private static final Set<BackendCapability> SATURATING =
            EnumSet.of(BackendCapability.PER_CHANNEL_WEIGHTS, BackendCapability.SATURATING_INT8_KERNELS);

    @Test
    void saturatingKernelsGetSevenBitWeights() {
        assertEquals(7, MinMaxParameters.parse("MinMaxQuantization", Map.of(), SATURATING).weightBits());
    }

    @Test
    void otherBackendsKeepEightBitWeights() {
        assertEquals(8, MinMaxParameters.parse("MinMaxQuantization", Map.of(), PLAIN).weightBits());
    }

    @Test
    void explicitBitsWin() {
        Map<String, Object> params = Map.of("weights", Map.of("bits", 8));
        assertEquals(8, MinMaxParameters.parse("MinMaxQuantization", params, SATURATING).weightBits());
    }
}
