package org.pot4j.engine.data;

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
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pot4j.api.DataType;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.data.Sample;

class NpyDatasetProviderTest {
    @TempDir
    Path dir;

    private final NpyDatasetProvider provider = new NpyDatasetProvider();

    /** input_ids int64 [3,4], attention_mask uint8 [3,4], labels int32 [3] in folder "tok". */
    private Path tokens() throws IOException {
        Path folder = dir.resolve("tok");
        long[] ids = new long[12];
        byte[] mask = new byte[12];
        for (int i = 0; i < 12; i++) {
            ids[i] = 100 + i;
            mask[i] = (byte) (i % 4 < 3 ? 1 : 0);
        }
        TestFiles.npy(folder.resolve("input_ids.npy"), "<i8", false, new long[] {3, 4}, TestFiles.longsLE(ids));
        TestFiles.npy(folder.resolve("attention_mask.npy"), "|u1", false, new long[] {3, 4}, mask);
        TestFiles.npy(folder.resolve("labels.npy"), "<i4", false, new long[] {3}, TestFiles.intsLE(2, 0, 1));
        return folder;
    }

    @Test
    void readsEveryArrayOfTheFolderExceptTheLabelsSortedByName() throws IOException {
        tokens();
        Dataset d = Open.dataset(provider, Map.of("path", "tok", "labels", "labels.npy"), dir);
        assertEquals(3, d.size());
        Sample s = d.get(1);
        assertEquals(List.of("attention_mask", "input_ids"), List.copyOf(s.inputs().keySet()));
        Tensor ids = s.inputs().get("input_ids");
        assertEquals(DataType.INT64, ids.dataType());
        assertArrayEquals(new long[] {4}, ids.shape());
        assertArrayEquals(new long[] {104, 105, 106, 107}, ids.longs());
        assertEquals(DataType.UINT8, s.inputs().get("attention_mask").dataType());
        assertArrayEquals(new byte[] {1, 1, 1, 0}, s.inputs().get("attention_mask").bytes());
        assertEquals(0, s.annotation());
    }

    @Test
    void inputsParamChoosesAndOrdersArrays() throws IOException {
        tokens();
        Dataset d = Open.dataset(provider, Map.of("path", "tok", "inputs", List.of("input_ids", "attention_mask")), dir);
        Sample s = d.get(0);
        assertEquals(List.of("input_ids", "attention_mask"), List.copyOf(s.inputs().keySet()));
        assertNull(s.annotation());
        Pot4jException e = assertThrows(Pot4jException.class,
                () -> Open.dataset(provider, Map.of("path", "tok", "inputs", List.of("token_type_ids")), dir));
        assertEquals(ErrorCode.FILE_NOT_FOUND, e.code());
        assertTrue(e.getMessage().contains("token_type_ids") && e.getMessage().contains("input_ids"), e.getMessage());
    }

    @Test
    void floatBigEndianAndBoolArraysAndTextLabels() throws IOException {
        Path f = dir.resolve("f");
        TestFiles.npy(f.resolve("x.npy"), "<f4", false, new long[] {2, 2, 2}, TestFiles.floatsLE(1, 2, 3, 4, 5, 6, 7, 8.5f));
        TestFiles.npy(f.resolve("y.npy"), ">f8", false, new long[] {2}, TestFiles.doublesBE(0.25, -1e300));
        TestFiles.npy(f.resolve("z.npy"), "|b1", false, new long[] {2, 1}, new byte[] {1, 0});
        Files.writeString(dir.resolve("labels.txt"), "cat\n3\n\n");
        Dataset d = Open.dataset(provider, Map.of("path", "f", "labels", "labels.txt"), dir);
        Sample s = d.get(1);
        assertArrayEquals(new long[] {2, 2}, s.inputs().get("x").shape());
        assertArrayEquals(new float[] {5, 6, 7, 8.5f}, s.inputs().get("x").floats());
        assertArrayEquals(new long[] {}, s.inputs().get("y").shape(), "a 1-D array gives scalar samples");
        assertEquals(-1e300, s.inputs().get("y").doubles()[0]);
        assertEquals(DataType.BOOL, s.inputs().get("z").dataType());
        assertEquals(3, s.annotation());
        assertEquals("cat", d.get(0).annotation());
    }

    @Test
    void labelsAreLookedUpInTheDataFolderTooAndMayBeTensors() throws IOException {
        Path f = dir.resolve("g");
        TestFiles.npy(f.resolve("x.npy"), "<f4", false, new long[] {2, 1}, TestFiles.floatsLE(1, 2));
        TestFiles.npy(f.resolve("target.npy"), "<f4", false, new long[] {2, 3}, TestFiles.floatsLE(1, 2, 3, 4, 5, 6));
        Dataset d = Open.dataset(provider, Map.of("path", "g", "labels", "target.npy"), dir);
        assertEquals(List.of("x"), List.copyOf(d.get(0).inputs().keySet()), "the labels file is not an input");
        Tensor label = (Tensor) d.get(1).annotation();
        assertArrayEquals(new long[] {1, 3}, label.shape(), "tensor labels carry batch dimension 1 like model outputs");
        assertArrayEquals(new float[] {4, 5, 6}, label.floats());
        Dataset single = Open.dataset(provider, Map.of("path", "g/x.npy"), dir);
        assertEquals(2, single.size());
        assertEquals(List.of("x"), List.copyOf(single.get(0).inputs().keySet()));
    }

    @Test
    void badFilesNameTheFileAndTheProblem() throws IOException {
        Path b = dir.resolve("bad");
        Files.createDirectories(b);
        Files.write(b.resolve("magic.npy"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
        expect("bad/magic.npy", ErrorCode.DATASET_INVALID, "bad magic");
        TestFiles.npy(b.resolve("fortran.npy"), "<f4", true, new long[] {1, 2}, TestFiles.floatsLE(1, 2));
        expect("bad/fortran.npy", ErrorCode.DATASET_INVALID, "Fortran order");
        TestFiles.npy(b.resolve("half.npy"), "<f2", false, new long[] {1}, new byte[2]);
        expect("bad/half.npy", ErrorCode.DATASET_INVALID, "dtype '<f2' is not supported");
        TestFiles.npy(b.resolve("short.npy"), "<f4", false, new long[] {2, 2}, TestFiles.floatsLE(1, 2, 3));
        expect("bad/short.npy", ErrorCode.DATASET_INVALID, "truncated");
        expect("bad/none.npy", ErrorCode.FILE_NOT_FOUND, "none.npy");

        Path m = dir.resolve("mismatch");
        TestFiles.npy(m.resolve("a.npy"), "<f4", false, new long[] {2}, TestFiles.floatsLE(1, 2));
        TestFiles.npy(m.resolve("b.npy"), "<f4", false, new long[] {3}, TestFiles.floatsLE(1, 2, 3));
        expect("mismatch", ErrorCode.DATASET_INVALID, "count mismatch");

        Path l = dir.resolve("labelcount");
        TestFiles.npy(l.resolve("a.npy"), "<f4", false, new long[] {2}, TestFiles.floatsLE(1, 2));
        Files.writeString(dir.resolve("three.txt"), "1\n2\n3\n");
        Pot4jException e = assertThrows(Pot4jException.class, () -> Open.dataset(provider, Map.of("path", "labelcount", "labels", "three.txt"), dir));
        assertTrue(e.getMessage().contains("3 labels for 2 samples"), e.getMessage());

        Files.createDirectories(dir.resolve("empty"));
        assertEquals(ErrorCode.DATASET_EMPTY,
                assertThrows(Pot4jException.class, () -> Open.dataset(provider, Map.of("path", "empty"), dir)).code());
    }

    private void expect(String path, ErrorCode code, String text) {
        Pot4jException e = assertThrows(Pot4jException.class, () -> Open.dataset(provider, Map.of("path", path), dir));
        assertEquals(code, e.code(), e.getMessage());
        assertTrue(e.getMessage().contains(text), e.getMessage());
    }

    @Test
    void readsTheBundledMiniLmArraysWrittenByNumpy() {
        Path data = Path.of("..", "examples", "minilm", "data");
        Assumptions.assumeTrue(Files.isRegularFile(data.resolve("input_ids.npy")), "example data present");
        Dataset d = Open.dataset(provider, Map.of("path", "."), data);
        Sample s = d.get(0);
        assertTrue(s.inputs().keySet().containsAll(List.of("input_ids", "attention_mask", "token_type_ids")), s.inputs().keySet().toString());
        Tensor ids = s.inputs().get("input_ids");
        assertEquals(DataType.INT64, ids.dataType());
        assertEquals(1, ids.rank());
        assertEquals(101, ids.longs()[0], "BERT sequences start with [CLS] = 101");
        assertTrue(d.size() >= 100, "a few hundred sentences: " + d.size());
    }
}
