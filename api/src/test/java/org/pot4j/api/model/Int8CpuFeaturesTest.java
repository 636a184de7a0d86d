package org.pot4j.api.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class Int8CpuFeaturesTest {
    private static final String AVX2 = "processor : 0\nflags : fpu sse4_2 avx avx2 fma\n";

    @Test
    void onlyX86WithoutADotProductInstructionSaturates() {
        assertTrue(Int8CpuFeatures.saturates("amd64", AVX2), "AVX2 only: vpmaddubsw sums pairs in int16");
        assertFalse(Int8CpuFeatures.saturates("amd64", AVX2 + "flags : avx512f avx512_vnni\n"));
        assertFalse(Int8CpuFeatures.saturates("x86_64", AVX2 + "flags : avx_vnni\n"));
        assertFalse(Int8CpuFeatures.saturates("amd64", AVX2 + "flags : amx_int8\n"));
        assertTrue(Int8CpuFeatures.saturates("amd64", null), "unreadable x86 flags: the safe 7-bit choice");
        assertFalse(Int8CpuFeatures.saturates("aarch64", null));
    }

    @Test
    void aSystemPropertyOverridesTheDetection() {
        String key = "pot4j.test.reduceRange";
        try {
            System.setProperty(key, "true");
            assertTrue(Int8CpuFeatures.u8s8Saturates(key));
            System.setProperty(key, "false");
            assertFalse(Int8CpuFeatures.u8s8Saturates(key));
        } finally {
            System.clearProperty(key);
        }
        assertEquals(Int8CpuFeatures.u8s8Saturates(null), Int8CpuFeatures.u8s8Saturates(key), "unset: detected");
    }

    @Test
    void theCpuDescriptionNamesModelAndInt8Flags() {
        Int8CpuFeatures.Cpu xeon = Int8CpuFeatures.describe("AMD64", "processor : 0\nmodel name : Intel(R) Xeon(R) Processor\n"
                + "flags : fpu avx2 avx512f avx512bw avx512_vnni amx_int8 amx_tile\nprocessor : 1\n");
        assertEquals("Intel(R) Xeon(R) Processor", xeon.model());
        assertEquals(java.util.List.of("avx2", "avx512f", "avx512bw", "avx512_vnni", "amx_int8"), xeon.flags());
        assertTrue(xeon.has("avx512_vnni"));
        assertEquals("amd64", xeon.arch());
        Int8CpuFeatures.Cpu arm = Int8CpuFeatures.describe("aarch64", "Features : fp asimd asimddp i8mm\n");
        assertEquals(java.util.List.of("asimddp", "i8mm"), arm.flags());
        assertEquals("unknown", Int8CpuFeatures.describe("amd64", null).model());
        assertFalse(Int8CpuFeatures.describe("amd64", AVX2).has("avx512_vnni"));
    }
}
