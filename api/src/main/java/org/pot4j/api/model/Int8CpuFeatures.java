package org.pot4j.api.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Whether this CPU's uint8 x int8 integer kernels can saturate: one rule for every backend that
 * reports {@link BackendCapability#SATURATING_INT8_KERNELS}. On x86 without a dot-product
 * instruction that sums uint8 x int8 into int32 (AVX-512 VNNI, AVX-VNNI, AMX-INT8), ONNX Runtime's
 * MLAS, oneDNN (TensorFlow) and fbgemm (libtorch) multiply with {@code vpmaddubsw}, which adds pairs
 * into int16 with saturation; all three projects answer with 7-bit weights ({@code reduce_range}).
 * Measured on an AVX2-only CPU: the MNIST ResNet lost 0.85 point with 8-bit weights on ONNX Runtime,
 * 0.05 with 7-bit.
 */
public final class Int8CpuFeatures {
    private Int8CpuFeatures() {
    }

    /**
     * The rule on this machine. {@code overrideProperty} (may be null) names a system property whose
     * {@code true}/{@code false} value replaces the detection, for a backend's users and tests.
     */
    public static boolean u8s8Saturates(String overrideProperty) {
        String override = overrideProperty == null ? null : System.getProperty(overrideProperty);
        if (override != null) {
            return Boolean.parseBoolean(override);
        }
        String cpuinfo = null;
        try {
            Path file = Path.of("/proc/cpuinfo");
            if (Files.isReadable(file)) {
                cpuinfo = Files.readString(file);
            }
        } catch (IOException | RuntimeException e) {
            cpuinfo = null;
        }
        return saturates(System.getProperty("os.arch", ""), cpuinfo);
    }

    /**
     * The rule on its inputs: only x86 saturates, and not with VNNI or AMX; x86 flags that cannot be
     * read (null {@code cpuinfo}) count as saturating, since the safe choice costs one bit of weight
     * precision, never a wrong result.
     */
    public static boolean saturates(String osArch, String cpuinfo) {
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
