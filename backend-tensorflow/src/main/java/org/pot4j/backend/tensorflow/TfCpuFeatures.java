package org.pot4j.backend.tensorflow;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * What the CPU offers TensorFlow's oneDNN int8 kernels. On x86 without VNNI (or AMX), oneDNN
 * multiplies uint8 activations by int8 weights with {@code vpmaddubsw}, which sums pairs into int16
 * with saturation; oneDNN's own guidance ("Nuances of int8 computations") is 7-bit weights there.
 * The lowering stores any weight grid exactly (filter range {@code 127 * scale}), so 7-bit weights
 * need nothing else from this backend.
 */
final class TfCpuFeatures {
    private static final boolean SATURATES = detectSaturation();

    private TfCpuFeatures() {
    }

    /** True when uint8 x int8 integer kernels can saturate on this machine. */
    static boolean u8s8Saturates() {
        return SATURATES;
    }

    private static boolean detectSaturation() {
        String override = System.getProperty("pot4j.tensorflow.reduceRange");
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
     * Only x86 saturates, and not with a uint8 x int8 dot product into int32 (AVX-512 VNNI,
     * AVX-VNNI, AMX-INT8); unreadable flags on x86 count as saturating (one bit of weight
     * precision, never a wrong result).
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
