package org.pot4j.engine.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pot4j.api.DataType;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.data.Sample;

class IdxDatasetProviderTest {
    @TempDir
    Path dir;

    private final IdxDatasetProvider provider = new IdxDatasetProvider();

    /** 3 grey images of 2x3 pixels: image i has pixels 10*i + k. */
    private Path images(String name) throws IOException {
        int[] px = new int[18];
        for (int i = 0; i < 3; i++) {
            for (int k = 0; k < 6; k++) {
                px[i * 6 + k] = 10 * i + k;
            }
        }
        px[17] = 255;
        return TestFiles.idx(dir.resolve(name), 0x08, new int[] {3, 2, 3}, TestFiles.ubytes(px));
    }

    private Path labels(int... values) throws IOException {
        return TestFiles.idx(dir.resolve("labels.idx"), 0x08, new int[] {values.length}, TestFiles.ubytes(values));
    }

    private Dataset open(Map<String, Object> params) {
        return Open.dataset(provider, params, dir);
    }

    @Test
    void readsImagesScaledChannelsFirstWithIntegerLabels() throws IOException {
        images("images.idx");
        labels(7, 0, 9);
        Dataset d = open(Map.of("images", "images.idx", "labels", "labels.idx"));
        assertEquals(3, d.size());
        assertEquals("images.idx", d.name());
        Sample s = d.get(2);
        Tensor t = s.inputs().get("input");
        assertEquals(DataType.FLOAT32, t.dataType());
        assertArrayEquals(new long[] {1, 2, 3}, t.shape());
        assertEquals(20 / 255f, t.floats()[0], 1e-7);
        assertEquals(1f, t.floats()[5], 1e-7, "255 scales to 1");
        assertEquals(9, s.annotation());
        assertEquals(Integer.class, s.annotation().getClass());
    }

    @Test
    void channelsLastScaleMeanStdAndInputName() throws IOException {
        images("images.idx");
        Dataset d = open(Map.of("images", "images.idx", "channels_first", false, "scale", 1.0, "mean", 10, "std", 2,
                "input_name", "x"));
        Sample s = d.get(1);
        Tensor t = s.inputs().get("x");
        assertArrayEquals(new long[] {2, 3, 1}, t.shape());
        assertEquals((10 - 10) / 2f, t.floats()[0]);
        assertEquals((14 - 10) / 2f, t.floats()[4]);
        assertNull(s.annotation(), "no labels, no annotation");
    }

    @Test
    void colourImagesAreTransposedToChannelsFirst() throws IOException {
        // one 1x2 image with 3 channels stored HWC: pixel0 = (1,2,3), pixel1 = (4,5,6)
        TestFiles.idx(dir.resolve("rgb.idx"), 0x08, new int[] {1, 1, 2, 3}, TestFiles.ubytes(1, 2, 3, 4, 5, 6));
        Tensor first = open(Map.of("images", "rgb.idx", "scale", 1)).get(0).inputs().get("input");
        assertArrayEquals(new long[] {3, 1, 2}, first.shape());
        assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, first.floats());
        Tensor last = open(Map.of("images", "rgb.idx", "scale", 1, "channels_first", false, "mean", java.util.List.of(1, 2, 3)))
                .get(0).inputs().get("input");
        assertArrayEquals(new long[] {1, 2, 3}, last.shape());
        assertArrayEquals(new float[] {0, 0, 0, 3, 3, 3}, last.floats());
    }

    @Test
    void gzippedFilesAreRead() throws IOException {
        TestFiles.idx(dir.resolve("images.idx.gz"), 0x08, new int[] {2, 1, 1}, TestFiles.ubytes(0, 255));
        assertEquals(1f, open(Map.of("images", "images.idx.gz")).get(1).inputs().get("input").floats()[0], 1e-7);
    }

    @Test
    void badFilesNameTheFileAndTheProblem() throws IOException {
        images("images.idx");
        Path badMagic = dir.resolve("bad.idx");
        Files.write(badMagic, new byte[] {1, 2, 8, 3, 0, 0, 0, 1});
        expect(ErrorCode.DATASET_INVALID, "bad magic", Map.of("images", "bad.idx"));
        TestFiles.idx(dir.resolve("short.idx"), 0x08, new int[] {3, 2, 3}, new byte[17]);
        expect(ErrorCode.DATASET_INVALID, "truncated", Map.of("images", "short.idx"));
        TestFiles.idx(dir.resolve("type.idx"), 0x07, new int[] {1}, new byte[1]);
        expect(ErrorCode.DATASET_INVALID, "type code", Map.of("images", "type.idx"));
        labels(1, 2);
        Pot4jException count = expect(ErrorCode.DATASET_INVALID, "count mismatch", Map.of("images", "images.idx", "labels", "labels.idx"));
        assertTrue(count.getMessage().contains("2 labels for 3 images"), count.getMessage());
        expect(ErrorCode.FILE_NOT_FOUND, "missing.idx", Map.of("images", "missing.idx"));
        expect(ErrorCode.CONFIG_INVALID, "images of dataset type 'idx' is required", Map.of());
        expect(ErrorCode.CONFIG_INVALID, "scale of dataset type 'idx' must be a number", Map.of("images", "images.idx", "scale", "big"));
        expect(ErrorCode.CONFIG_INVALID, "std must not be 0", Map.of("images", "images.idx", "std", 0));
    }

    private Pot4jException expect(ErrorCode code, String text, Map<String, Object> params) {
        Pot4jException e = assertThrows(Pot4jException.class, () -> open(new HashMap<>(params)));
        assertEquals(code, e.code(), e.getMessage());
        assertTrue(e.getMessage().contains(text), e.getMessage());
        return e;
    }

    @Test
    void readsTheBundledMnistCalibrationSet() {
        Path mnist = Path.of("..", "examples", "data", "mnist");
        Assumptions.assumeTrue(Files.isRegularFile(mnist.resolve("calibration-images.idx3-ubyte")), "example data present");
        Dataset d = Open.dataset(provider, Map.of("images", "calibration-images.idx3-ubyte", "labels", "calibration-labels.idx1-ubyte"), mnist);
        assertEquals(300, d.size());
        Sample s = d.get(0);
        assertArrayEquals(new long[] {1, 28, 28}, s.inputs().get("input").shape());
        int label = (Integer) s.annotation();
        assertTrue(label >= 0 && label <= 9);
        float max = 0;
        for (float f : s.inputs().get("input").floats()) {
            max = Math.max(max, f);
        }
        assertTrue(max > 0.5f && max <= 1f, "pixels scaled to [0, 1]: " + max);
    }
}
