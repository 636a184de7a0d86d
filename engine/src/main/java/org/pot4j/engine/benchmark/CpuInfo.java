package org.pot4j.engine.benchmark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The CPU a benchmark ran on and its int8 features, for the header of every speed figure: INT8
 * speed-ups depend on them (AVX2 {@code vpmaddubsw} saturates, AVX-512 VNNI / AVX-VNNI multiply
 * u8 x s8 in one instruction, AMX-INT8 tiles). Read from {@code /proc/cpuinfo} on Linux; elsewhere
 * only the architecture and core count are known.
 *
 * @param model    CPU model name, or the architecture when unknown
 * @param cores    logical processors available to the JVM
 * @param features int8-relevant features found, e.g. {@code [AVX2, AVX-512 VNNI, AMX-INT8]}; null when unknown
 */
public record CpuInfo(String model, int cores, List<String> features) {
    private static final String[][] FLAGS = {
        {"avx2", "AVX2"}, {"avx512f", "AVX-512"}, {"avx512_vnni", "AVX-512 VNNI"}, {"avx_vnni", "AVX-VNNI"},
        {"amx_int8", "AMX-INT8"}, {"asimddp", "NEON dot product"}, {"i8mm", "I8MM"}};

    /** This machine's CPU. */
    public static CpuInfo detect() {
        int cores = Runtime.getRuntime().availableProcessors();
        String arch = System.getProperty("os.arch", "unknown");
        Path cpuinfo = Path.of("/proc/cpuinfo");
        if (!Files.isReadable(cpuinfo)) {
            return new CpuInfo(arch, cores, null);
        }
        try {
            return parse(Files.readAllLines(cpuinfo), arch, cores);
        } catch (IOException | RuntimeException e) {
            return new CpuInfo(arch, cores, null);
        }
    }

    /** Parses {@code /proc/cpuinfo} lines (first processor's model name and flags). */
    static CpuInfo parse(List<String> lines, String arch, int cores) {
        String model = null;
        String flags = null;
        for (String line : lines) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String key = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).trim();
            if (model == null && key.equals("model name")) {
                model = value;
            } else if (flags == null && (key.equals("flags") || key.equals("features"))) {
                flags = " " + value + " ";
            }
        }
        List<String> found = null;
        if (flags != null) {
            found = new ArrayList<>();
            for (String[] f : FLAGS) {
                if (flags.contains(" " + f[0] + " ")) {
                    found.add(f[1]);
                }
            }
        }
        return new CpuInfo(model == null ? arch : model, cores, found);
    }

    /** One line, e.g. {@code CPU: Intel(R) Xeon(R) Processor, 2 cores; int8 features: AVX2, AVX-512 VNNI, AMX-INT8}. */
    public String describe() {
        String f = features == null ? "unknown" : features.isEmpty() ? "none of AVX2/VNNI/AMX" : String.join(", ", features);
        return "CPU: " + model + ", " + cores + (cores == 1 ? " core" : " cores") + "; int8 features: " + f;
    }
}
