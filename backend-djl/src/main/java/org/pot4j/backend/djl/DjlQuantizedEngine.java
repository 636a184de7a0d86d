package org.pot4j.backend.djl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.pot4j.api.model.Int8CpuFeatures;

/**
 * The quantized engine libtorch prepacks weights for. A saved INT8 archive holds plain int8
 * weights; its modules' {@code __setstate__} prepacks them for the engine selected in the process
 * that loads it. libtorch (DJL has no switch for it) selects {@code x86} (fbgemm and oneDNN,
 * dispatched per op) on CPUs fbgemm supports, i.e. with AVX2, else {@code onednn}. That choice is
 * recorded in the archive ({@link DjlInt8Writer#ENGINE_RECORD}); a Python user of the file sets
 * {@code torch.backends.quantized.engine} to it (the default on x86 since torch 2.0) before
 * {@code torch.jit.load}.
 */
final class DjlQuantizedEngine {
    /** The engine libtorch uses on this CPU, as recorded in saved archives. */
    static final String RECORDED = detect();
    private static final boolean SATURATES = detectSaturation();

    private DjlQuantizedEngine() {
    }

    /**
     * True on x86 without VNNI/AMX: fbgemm's AVX2 kernels multiply uint8 activations by int8
     * weights with {@code vpmaddubsw}, which saturates int16 pair sums with full-range weights
     * (255 * 127 * 2 > 32767); 7-bit weights keep them exact. Unknown x86 counts as saturating.
     */
    static boolean u8s8Saturates() {
        return SATURATES;
    }

    private static boolean detectSaturation() {
        return Int8CpuFeatures.u8s8Saturates("pot4j.djl.reduceRange");
    }

    private static String detect() {
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (!(arch.equals("amd64") || arch.equals("x86_64"))) {
            return "qnnpack";
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("flags")) {
                    return (" " + line + " ").contains(" avx2 ") ? "x86" : "onednn";
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: libtorch's x86 default is the best guess
        }
        return "x86";
    }
}
