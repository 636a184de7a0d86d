package org.pot4j.engine.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccuracyAwareHtmlReportTest {
    @TempDir
    Path tmp;

    private static Map<String, Object> report() {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("status", "TARGET_MET");
        r.put("stop_reason", "maximal_drop met");
        r.put("maximal_drop", 0.01);
        r.put("drop_type", "absolute");
        r.put("metrics", List.of(Map.of("name", "acc<top1>", "direction", "higher-better", "baseline", 0.9,
                "baseline_source", "measured", "int8", 0.8, "final", 0.895, "final_drop", 0.005)));
        r.put("initial_drops", Map.of("acc<top1>", 0.1));
        r.put("iterations", List.of(
                Map.of("iteration", 1, "node", "conv/1", "op_type", "Conv", "action", "rolled_back", "drops", Map.of("acc<top1>", 0.12),
                        "drop", 0.12, "values", Map.of("acc<top1>", 0.78), "seconds", 0.5),
                Map.of("iteration", 2, "node", "fc&2", "op_type", "Gemm", "action", "reverted", "drops", Map.of("acc<top1>", 0.005),
                        "drop", 0.005, "values", Map.of("acc<top1>", 0.895), "seconds", 0.4, "reranked", true)));
        r.put("reverted_nodes", List.of("fc&2"));
        r.put("rankings", List.of(Map.of("iteration", 1, "basis", "metric acc", "entries",
                List.of(Map.of("rank", 1, "node", "conv/1", "op_type", "Conv", "score", 3.0, "metric_sum", 3.0, "nmse", 0.01)))));
        r.put("timing", Map.of("total_seconds", 10.0, "validation_pass_seconds", 1.0, "total_in_validation_passes", 10.0,
                "validation_pass", "evaluate int8"));
        return r;
    }

    @Test
    void thePageIsSelfContainedWithThePlotRankingAndRevertedNodes() throws Exception {
        Path file = tmp.resolve("r.html");
        AccuracyAwareHtmlReport.write(file, report());
        String html = Files.readString(file);
        assertTrue(html.startsWith("<!DOCTYPE html>"));
        assertTrue(html.contains("<svg") && html.contains("<polyline") && html.contains("stroke-dasharray"), "plot with the limit line");
        assertTrue(html.contains("maximal_drop 0.01"));
        assertTrue(html.contains("fc&amp;2") && html.contains("acc&lt;top1&gt;"), "names are escaped");
        assertFalse(html.contains("fc&2"));
        assertTrue(html.contains("conv/1") && html.contains("Layer ranking"));
        assertTrue(html.contains("10 x one validation pass (1 s, evaluate int8)"), html);
        for (String external : List.of("<script", "src=", "href=", "@import", "url(")) {
            assertFalse(html.contains(external), "external asset: " + external);
        }
        try (var files = Files.list(tmp)) {
            assertEquals(1, files.count());
        }
    }

    /**
     * The pages of two real AccuracyAware reports (written by the job runner for a 6-12-3 model on
     * FP32-labelled rows, {@code ranking: exact} and {@code fast}, two nodes reverted each) and of the
     * partial map above equal golden pages, byte for byte; re-record with {@code -Dpot4j.recordGolden=true}.
     */
    @Test
    void pagesOfRealReportsAreUnchanged() throws Exception {
        Path dir = Path.of("src", "test", "resources", "report-golden");
        for (String name : List.of("aa-exact", "aa-fast")) {
            @SuppressWarnings("unchecked")
            Map<String, Object> report = new com.fasterxml.jackson.databind.ObjectMapper()
                    .readValue(Files.readString(dir.resolve(name + ".json")), Map.class);
            assertMatchesGolden(dir.resolve(name + ".html.txt"), AccuracyAwareHtmlReport.render(report));
        }
        assertMatchesGolden(dir.resolve("partial.html.txt"), AccuracyAwareHtmlReport.render(report()));
    }

    private static void assertMatchesGolden(Path golden, String html) throws java.io.IOException {
        if (Boolean.getBoolean("pot4j.recordGolden") || !Files.exists(golden)) {
            Files.writeString(golden, html);
            return;
        }
        assertEquals(Files.readString(golden), html, "page differs from " + golden);
    }

    @Test
    void theJsonIsWrittenAtomicallyAndNonFiniteNumbersStayReadable() throws Exception {
        Path file = tmp.resolve("sub/report.json");
        Map<String, Object> r = new LinkedHashMap<>(report());
        r.put("nan", Double.NaN);
        ReportJson.write(file, r);
        String json = Files.readString(file);
        assertTrue(json.contains("\"status\" : \"TARGET_MET\""));
        assertTrue(json.contains("\"NaN\""));
        new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
        if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            assertTrue(Files.getPosixFilePermissions(file).contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ),
                    "reports are ordinary readable files, not 0600 temp files");
        }
    }
}
