package org.pot4j.api.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
        return saturates(System.getProperty("os.arch", ""), cpuinfo());
    }

    /** The int8-relevant instruction-set flags any int8 kernel library dispatches on. */
    private static final List<String> INT8_FLAGS = List.of("avx2", "avx512f", "avx512bw", "avx512_vnni", "avx_vnni",
            "amx_int8", "asimddp", "i8mm", "sve");

    /**
     * This machine's CPU as int8 kernels see it: architecture, model name and the int8 flags it
     * has. Backends key per-CPU measurements (e.g. a kernel timing table) by it.
     */
    public static Cpu cpu() {
        return describe(System.getProperty("os.arch", ""), cpuinfo());
    }

    /** The description of a CPU from its {@code /proc/cpuinfo} text (null: unknown model and flags). */
    public static Cpu describe(String osArch, String cpuinfo) {
        String model = null;
        String flagLine = null;
        if (cpuinfo != null) {
            for (String line : cpuinfo.split("\n")) {
                int colon = line.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String key = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                if (model == null && (key.equals("model name") || key.equals("cpu model"))) {
                    model = line.substring(colon + 1).trim();
                } else if (flagLine == null && (key.equals("flags") || key.equals("features"))) {
                    flagLine = " " + line.substring(colon + 1).trim() + " ";
                }
            }
        }
        List<String> flags = new ArrayList<>();
        for (String f : INT8_FLAGS) {
            if (flagLine != null && flagLine.contains(" " + f + " ")) {
                flags.add(f);
            }
        }
        return new Cpu(osArch.toLowerCase(Locale.ROOT), model == null ? "unknown" : model, List.copyOf(flags));
    }

    /**
     * A CPU as int8 kernels see it.
     *
     * @param arch  {@code os.arch}, lower case
     * @param model model name from {@code /proc/cpuinfo}, or {@code unknown}
     * @param flags int8-relevant instruction-set flags present (e.g. {@code avx2, avx512_vnni, amx_int8})
     */
    public record Cpu(String arch, String model, List<String> flags) {
        /** Whether the CPU has the flag (one of the int8 flags above). */
        public boolean has(String flag) {
            return flags.contains(flag);
        }

        /** One line: model, architecture and flags, e.g. for a cache key or a table header. */
        public String describe() {
            return model + " (" + arch + "; " + (flags.isEmpty() ? "no int8 flags" : String.join(" ", flags)) + ")";
        }
    }

    private static String cpuinfo() {
        try {
            Path file = Path.of("/proc/cpuinfo");
            return Files.isReadable(file) ? Files.readString(file) : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
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
