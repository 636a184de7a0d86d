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
        String cpuinfo = null;
        Path file = Path.of("/proc/cpuinfo");
        try {
            if (Files.isReadable(file)) {
                cpuinfo = Files.readString(file);
            }
        } catch (IOException | RuntimeException e) {
            cpuinfo = null;
        }
        return saturates(System.getProperty("os.arch", ""), cpuinfo);
    }

    /**
     * The rule, on its inputs: only x86 saturates, and not when the CPU has a dot-product
     * instruction that sums uint8 x int8 in int32 (AVX-512 VNNI, AVX-VNNI, AMX-INT8). An x86 CPU
     * whose flags cannot be read (null {@code cpuinfo}) counts as saturating: the safe choice costs
     * one bit of weight precision, never correctness.
     */
    static boolean saturates(String osArch, String cpuinfo) {
        String arch = osArch.toLowerCase(Locale.ROOT);
        if (!arch.equals("amd64") && !arch.equals("x86_64")) {
            return false;
        }
        if (cpuinfo == null) {
            return true;
        }
        return !(cpuinfo.contains("avx512_vnni") || cpuinfo.contains("avx_vnni") || cpuinfo.contains("amx_int8"));
    }
}
