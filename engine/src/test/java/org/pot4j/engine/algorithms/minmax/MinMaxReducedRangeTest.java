package org.pot4j.engine.algorithms.minmax;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.pot4j.api.model.BackendCapability;

/** Convolution weights drop to 7 bits only when the backend's integer kernels saturate and the user set no bits. */
class MinMaxReducedRangeTest {
    private static final Set<BackendCapability> PLAIN = EnumSet.of(BackendCapability.PER_CHANNEL_WEIGHTS);
    private static final Set<BackendCapability> SATURATING =
            EnumSet.of(BackendCapability.PER_CHANNEL_WEIGHTS, BackendCapability.SATURATING_INT8_KERNELS);

    @Test
    void saturatingKernelsGetSevenBitConvolutionWeights() {
        MinMaxParameters p = MinMaxParameters.parse("MinMaxQuantization", Map.of(), SATURATING);
        assertEquals(7, p.convWeightBits());
        assertEquals(8, p.weightBits());
    }

    @Test
    void otherBackendsKeepEightBitWeights() {
        assertEquals(8, MinMaxParameters.parse("MinMaxQuantization", Map.of(), PLAIN).convWeightBits());
    }

    @Test
    void explicitBitsWin() {
        Map<String, Object> params = Map.of("weights", Map.of("bits", 8));
        assertEquals(8, MinMaxParameters.parse("MinMaxQuantization", params, SATURATING).convWeightBits());
    }
}
