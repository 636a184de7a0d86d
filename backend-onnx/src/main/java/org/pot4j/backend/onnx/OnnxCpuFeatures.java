package org.pot4j.backend.onnx;

import org.pot4j.api.model.Int8CpuFeatures;

/**
 * What the CPU offers ONNX Runtime's integer kernels. On x86 without VNNI (or AMX), MLAS multiplies
 * uint8 activations by int8 weights with {@code vpmaddubsw}, which sums pairs into int16 and
 * saturates with full-range weights; ORT's own quantizer answers with {@code reduce_range} (7-bit
 * weights). Measured here: the MNIST ResNet lost 0.9 point on an AVX2-only CPU with 8-bit weights
 * while the same plan run in float lost none. The rule is the api's, shared by every backend;
 * {@code -Dpot4j.onnx.reduceRange=true|false} overrides it.
 */
final class OnnxCpuFeatures {
    private static final boolean SATURATES = Int8CpuFeatures.u8s8Saturates("pot4j.onnx.reduceRange");

    private OnnxCpuFeatures() {
    }

    /** True when uint8 x int8 integer kernels can saturate on this machine. */
    static boolean u8s8Saturates() {
        return SATURATES;
    }

    /** The rule on its inputs (see {@link Int8CpuFeatures#saturates}). */
    static boolean saturates(String osArch, String cpuinfo) {
        return Int8CpuFeatures.saturates(osArch, cpuinfo);
    }
}
