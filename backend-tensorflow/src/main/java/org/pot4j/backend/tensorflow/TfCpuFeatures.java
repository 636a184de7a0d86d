package org.pot4j.backend.tensorflow;

import org.pot4j.api.model.Int8CpuFeatures;

/**
 * What the CPU offers TensorFlow's oneDNN int8 kernels. On x86 without VNNI (or AMX), oneDNN
 * multiplies uint8 activations by int8 weights with {@code vpmaddubsw}, which sums pairs into int16
 * with saturation; oneDNN's own guidance ("Nuances of int8 computations") is 7-bit weights there.
 * The lowering stores any weight grid exactly (filter range {@code 127 * scale}), so 7-bit weights
 * need nothing else from this backend. {@code -Dpot4j.tensorflow.reduceRange=true|false} overrides
 * the api's shared rule.
 */
final class TfCpuFeatures {
    private static final boolean SATURATES = Int8CpuFeatures.u8s8Saturates("pot4j.tensorflow.reduceRange");

    private TfCpuFeatures() {
    }

    /** True when uint8 x int8 integer kernels can saturate on this machine. */
    static boolean u8s8Saturates() {
        return SATURATES;
    }
}
