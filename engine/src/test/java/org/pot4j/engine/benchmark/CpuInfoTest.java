package org.pot4j.engine.benchmark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class CpuInfoTest {
    @Test
    void namesTheModelAndItsInt8Features() {
        CpuInfo xeon = CpuInfo.parse(List.of("processor\t: 0", "model name\t: Intel(R) Xeon(R) Processor",
                "flags\t\t: fpu sse avx2 avx512f avx512_vnni amx_bf16 amx_int8", "processor\t: 1"), "amd64", 2);
        assertEquals("CPU: Intel(R) Xeon(R) Processor, 2 cores; int8 features: AVX2, AVX-512, AVX-512 VNNI, AMX-INT8",
                xeon.describe());
        CpuInfo epyc = CpuInfo.parse(List.of("model name\t: AMD EPYC 7763 64-Core Processor", "flags\t: sse avx2 fma"),
                "amd64", 4);
        assertEquals(List.of("AVX2"), epyc.features());
        CpuInfo unknown = CpuInfo.parse(List.of(), "aarch64", 8);
        assertEquals("CPU: aarch64, 8 cores; int8 features: unknown", unknown.describe());
        assertTrue(CpuInfo.detect().describe().startsWith("CPU: "));
    }
}
