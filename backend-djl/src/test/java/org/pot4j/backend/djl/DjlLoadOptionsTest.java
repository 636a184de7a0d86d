package org.pot4j.backend.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pot4j.api.DataType;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;

/**
 * The load-options record: value checks (shapes, types, output), the merge of config, sidecar file and
 * the archive's record. Keys, types and ranges are bound by the engine (distribution's
 * {@code BackendOptionsBindingTest}). No libtorch needed.
 */
class DjlLoadOptionsTest {
    @TempDir
    Path tmp;

    @Test
    void valuesAreCheckedWhenTheRecordIsMade() {
        assertThrows(IllegalArgumentException.class, () -> DjlLoadOptions.inputShapes(List.of(List.of(-1, 2.5))));
        assertThrows(IllegalArgumentException.class, () -> DjlLoadOptions.inputShapes("1x28x28"));
        assertThrows(IllegalArgumentException.class, () -> DjlLoadOptions.output("qdq"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new DjlLoadOptions(null, null, Map.of("x", "bf16"), null, null, null, null));
        assertTrue(e.getMessage().contains("float32, float64, int64 or int32"), e.getMessage());
        assertEquals(DjlLoadOptions.class, new DjlBackendProvider().loadOptions());
    }

    @Test
    void theConfigWinsOverTheSidecarWhichWinsOverTheArchive() throws IOException {
        Path model = Files.writeString(tmp.resolve("m.pt"), "");
        Files.writeString(tmp.resolve("m.pt.json"), "{\"input_shapes\": {\"x\": [-1, 3]}, \"input_types\": {\"x\": \"INT64\"},"
                + " \"output\": \"fake_quant\", \"threads\": 2, \"comment\": \"ignored\"}");
        TorchScriptArchive archive = TorchScriptArchive.read(DjlTorchScriptTest.TINY).copy();
        archive.putText(DjlModelOptions.EXTRA_RECORD, "{\"input_names\": [\"x\"], \"input_shapes\": {\"x\": [-1, 9]},"
                + " \"output_names\": [\"y\"]}");
        DjlModelOptions o = DjlModelOptions.from(model, new DjlLoadOptions(null, null, null, null, "int8", 3, null), archive);
        assertEquals(List.of("x"), o.inputNames, "from the archive");
        assertEquals(List.of("y"), o.outputNames);
        assertArrayEquals(new long[] {-1, 3}, o.shapesByName.get("x"), "the sidecar over the archive");
        assertEquals(DataType.INT64, o.types.get("x"));
        assertEquals(DjlModelOptions.Output.INT8, o.output, "the config over the sidecar");
        assertEquals(3, o.threads, "intra_op_threads over the sidecar's threads");
        assertNull(o.shapesByPosition);
    }

    @Test
    void aBadSidecarIsAConfigError() throws IOException {
        Path model = Files.writeString(tmp.resolve("m.pt"), "");
        Files.writeString(tmp.resolve("m.pt.json"), "{\"input_shapes\": \"1x28x28\"}");
        TorchScriptArchive archive = TorchScriptArchive.read(DjlTorchScriptTest.TINY).copy();
        Pot4jException e = assertThrows(Pot4jException.class, () -> DjlModelOptions.from(model, null, archive));
        assertEquals(ErrorCode.CONFIG_INVALID, e.code());
        assertTrue(e.getMessage().contains("m.pt.json") && e.getMessage().contains("input_shapes"), e.getMessage());
    }
}
