package org.pot4j.backend.onnx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * What the CPU offers ONNX Runtime's integer kernels. On x86 without VNNI (or AMX), MLAS multiplies
 * uint8 activations by int8 weights with {@code vpmaddubsw}, which sums pairs into int16 and
 * saturates with full-range weights; ORT's own quantizer answers with {@code reduce_range} (7-bit
 * weights). Measured here: the MNIST ResNet lost 0.9 point on an AVX2-only CPU with 8-bit weights
 * while the same plan run in float lost none.
 */
final class OnnxCpuFeatures {
    private static final boolean SATURATES = detectSaturation();

    private OnnxCpuFeatures() {
    }

    /** True when uint8 x int8 integer kernels can saturate on this machine. */
    static boolean u8s8Saturates() {
        return SATURATES;
    }

    private static boolean detectSaturation() {
        String override = System.getProperty("pot4j.onnx.reduceRange");
        if (override != null) {
            return Boolean.parseBoolean(override);
        }
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (!arch.equals("amd64") && !arch.equals("x86_64")) {
            return false;
        }
        Path cpuinfo = Path.of("/proc/cpuinfo");
        if (!Files.isReadable(cpuinfo)) {
            return true; // unknown x86: the safe choice costs one bit of weight precision, never correctness
        }
        try {
            String flags = Files.readString(cpuinfo);
            return !(flags.contains("avx512_vnni") || flags.contains("avx_vnni") || flags.contains("amx_int8"));
        } catch (IOException | RuntimeException e) {
            return true;
        }
    }
}
