package org.pot4j.engine.data;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.data.DatasetProvider;
import org.pot4j.testkit.FuzzInputs;

/**
 * Fuzzing of the dataset readers of untrusted bytes (issue 12): {@code .npy}, IDX and CSV. Any input
 * may only be read or rejected with a {@code Pot4jException}; no other exception, hang or
 * out-of-memory. {@code @FuzzTest} runs coverage-guided under Jazzer ({@code JAZZER_FUZZ=1}, one
 * test per run) and its regression inputs otherwise; {@code boundedMutations} runs on every build.
 */
class DatasetFuzzTest {
    private static final int EXECUTIONS = FuzzInputs.executions(1500);

    @FuzzTest(maxDuration = "2m")
    void npy(byte[] data) {
        FuzzInputs.rejectOnlyWithPot4jException(() -> readNpy(data));
    }

    @FuzzTest(maxDuration = "2m")
    void idx(byte[] data) {
        FuzzInputs.rejectOnlyWithPot4jException(() -> readIdx(data));
    }

    @FuzzTest(maxDuration = "2m")
    void csv(byte[] data) {
        FuzzInputs.rejectOnlyWithPot4jException(() -> readCsv(data));
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void boundedMutations() {
        int runs = FuzzInputs.run("npy", List.of(npySeed("<f4", new int[] {2, 3}), npySeed("<i8", new int[] {4}),
                npySeed("|u1", new int[] {1, 2, 2})), EXECUTIONS, 1, DatasetFuzzTest::readNpy);
        runs += FuzzInputs.run("idx", List.of(idxSeed(0x08, 3, 2, 2), idxSeed(0x08, 1), idxSeed(0x0D, 2, 3)), EXECUTIONS, 2,
                DatasetFuzzTest::readIdx);
        runs += FuzzInputs.run("csv", List.of("a,b,label\n1,2,0\n3.5,-4,1\n".getBytes(StandardCharsets.UTF_8),
                "x;y\n1;2\n".getBytes(StandardCharsets.UTF_8), "\"q\",b\n\"1,5\",2\n".getBytes(StandardCharsets.UTF_8)),
                EXECUTIONS, 3, DatasetFuzzTest::readCsv);
        System.out.println("DatasetFuzzTest: " + runs + " inputs, no finding");
        assertTrue(runs >= 3 * EXECUTIONS);
    }

    static void readNpy(byte[] data) {
        Path f = write("x.npy", data);
        touch(new NpyDatasetProvider(), Map.of("path", f.toString()), f.getParent());
    }

    static void readIdx(byte[] data) {
        Path f = write("x.idx", data);
        touch(new IdxDatasetProvider(), Map.of("images", f.toString()), f.getParent());
    }

    static void readCsv(byte[] data) {
        Path f = write("x.csv", data);
        touch(new CsvDatasetProvider(), Map.of("path", f.toString(), "label_column", -1), f.getParent());
    }

    /** Opens the dataset and reads its first and last sample. */
    private static void touch(DatasetProvider provider, Map<String, Object> params, Path base) {
        Dataset d = Open.dataset(provider, params, base);
        int n = d.size();
        if (n > 0) {
            d.get(0).inputs().values().forEach(t -> t.size());
            d.get(n - 1);
        }
    }

    private static final ThreadLocal<Path> DIR = ThreadLocal.withInitial(() -> {
        try {
            Path dir = Files.createTempDirectory("pot4j-fuzz");
            dir.toFile().deleteOnExit();
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    });

    private static Path write(String name, byte[] data) {
        try {
            Path f = DIR.get().resolve(name);
            Files.write(f, data);
            f.toFile().deleteOnExit();
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] npySeed(String descr, int[] shape) {
        StringBuilder s = new StringBuilder();
        int count = 1;
        for (int d : shape) {
            s.append(d).append(", ");
            count *= d;
        }
        String header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + s.toString().trim() + "), }";
        header = header + " ".repeat((64 - (10 + header.length() + 1) % 64) % 64) + "\n";
        int size = Integer.parseInt(descr.substring(2));
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + count * size).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
        b.putShort((short) header.length()).put(header.getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; b.hasRemaining(); i++) {
            b.put((byte) (i * 7));
        }
        return b.array();
    }

    static byte[] idxSeed(int type, int... dims) {
        int count = 1;
        for (int d : dims) {
            count *= d;
        }
        int size = type == 0x0D ? 4 : 1;
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + count * size).order(ByteOrder.BIG_ENDIAN);
        b.put((byte) 0).put((byte) 0).put((byte) type).put((byte) dims.length);
        for (int d : dims) {
            b.putInt(d);
        }
        for (int i = 0; b.hasRemaining(); i++) {
            b.put((byte) (i * 13));
        }
        return b.array();
    }
}
