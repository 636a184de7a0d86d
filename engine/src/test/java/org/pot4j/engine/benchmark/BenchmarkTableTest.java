package org.pot4j.engine.benchmark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class BenchmarkTableTest {
    @Test
    void rowsAreAlignedAndShowTheRatioAgainstTheBaseline() {
        List<BenchmarkResult> results = List.of(
                new BenchmarkResult("FP32", "onnx", 1, 50, 2.0, 2.5, 2.1, 1.9, 500.0, null, 4000, 0),
                new BenchmarkResult("INT8", "onnx", 1, 50, 0.8, 0.9, 0.85, 0.7, 1250.0, 2.5, 1000, 0),
                new BenchmarkResult("FP32", "onnx", 32, 50, 40.0, 41.0, 40.5, 39.0, 800.0, null, 4000, 0),
                new BenchmarkResult("INT8", "onnx", 32, 50, 16.0, 17.0, 16.5, 15.0, 2000.0, 2.5, 1000, 0));
        String[] lines = BenchmarkTable.format(results).split("\n");
        assertEquals(6, lines.length);
        assertTrue(lines[0].startsWith("batch  model  backend  median ms"), lines[0]);
        assertTrue(lines[1].matches("-+"), lines[1]);
        assertEquals("    1  FP32   onnx         2.000   2.500   1.900      500.0  1.00x (base)", lines[2]);
        assertEquals("    1  INT8   onnx         0.800   0.900   0.700     1250.0         2.50x", lines[3]);
        assertEquals("   32  INT8   onnx          16.0    17.0    15.0     2000.0         2.50x", lines[5]);
        int width = lines[2].length();
        for (int i = 2; i < lines.length; i++) {
            assertEquals(width, lines[i].length(), "right-aligned rows end in the same column");
        }
    }
}
