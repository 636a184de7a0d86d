package org.pot4j.backend.tensorflow;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The probe of TensorFlow Java's oneDNN int8 kernels: each kernel pot4j writes runs from a Java
 * session on a tiny graph ({@code QuantizeV2 -> kernel -> Dequantize}) and stays within
 * {@link TfInt8Kernels#TOLERANCE_STEPS} output steps of the float ops it replaces.
 */
class TfInt8KernelsTest {
    @Test
    void theInt8KernelsPot4jWritesRunAndMatchFloat() {
        TfInt8Kernels k = TfInt8Kernels.probe();
        System.out.println("int8 kernel probe: " + k.evidence());
        assertTrue(k.conv(), k.evidence());
        assertTrue(k.depthwiseConv(), k.evidence());
        assertTrue(k.matMul(), k.evidence());
    }
}
