package org.pot4j.engine.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;

/**
 * One file in the IDX format of the MNIST distribution: two zero bytes, a type code, the number of
 * dimensions, each dimension as a big-endian int, then the data, big-endian, row-major. Read
 * whole into memory ({@code .gz} files are inflated).
 */
final class IdxFile {
    private final Path file;
    private final int typeCode;
    private final int[] dims;
    private final ByteBuffer data;
    private final int itemElements;

    private IdxFile(Path file, int typeCode, int[] dims, ByteBuffer data) {
        this.file = file;
        this.typeCode = typeCode;
        this.dims = dims;
        this.data = data;
        int n = 1;
        for (int i = 1; i < dims.length; i++) {
            n = Math.multiplyExact(n, dims[i]);
        }
        this.itemElements = n;
    }

    static IdxFile read(Path file) {
        byte[] bytes;
        try (InputStream in = open(file)) {
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new Pot4jException(ErrorCode.DATASET_INVALID, file + ": cannot read IDX file (" + e.getMessage() + ")", e);
        }
        if (bytes.length < 4 || bytes[0] != 0 || bytes[1] != 0) {
            throw DatasetFiles.invalid(file, "not an IDX file: bad magic "
                    + String.format("0x%08X", bytes.length < 4 ? 0 : ByteBuffer.wrap(bytes).getInt())
                    + " (expected 0x0000 then type and rank, e.g. 0x00000803 for images)");
        }
        int type = bytes[2] & 0xFF;
        int rank = bytes[3] & 0xFF;
        if (elementSize(type) < 0) {
            throw DatasetFiles.invalid(file, "IDX type code 0x" + Integer.toHexString(type)
                    + " is not one of 0x08 (ubyte), 0x09 (byte), 0x0B (short), 0x0C (int), 0x0D (float), 0x0E (double)");
        }
        if (rank < 1) {
            throw DatasetFiles.invalid(file, "IDX file has rank 0; the first dimension must index samples");
        }
        if (bytes.length < 4 + 4 * rank) {
            throw DatasetFiles.invalid(file, "IDX header truncated: " + rank + " dimensions need " + (4 + 4 * rank)
                    + " bytes, file has " + bytes.length);
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.BIG_ENDIAN);
        int[] dims = new int[rank];
        long count = 1;
        long item = 1;
        for (int i = 0; i < rank; i++) {
            dims[i] = buf.getInt(4 + 4 * i);
            if (dims[i] < 0) {
                throw DatasetFiles.invalid(file, "IDX dimension " + i + " is negative: " + dims[i]);
            }
            // capped products: dimensions that overflow cannot match the file size anyway (found by fuzzing, issue 12)
            count = cappedProduct(count, dims[i]);
            if (i > 0) {
                item = cappedProduct(item, dims[i]);
            }
        }
        if (item > Integer.MAX_VALUE) {
            throw DatasetFiles.invalid(file, "IDX dimensions " + Arrays.toString(dims) + " give samples of more than "
                    + Integer.MAX_VALUE + " elements");
        }
        long expected = 4L + 4L * rank + count * elementSize(type);
        if (bytes.length != expected) {
            throw DatasetFiles.invalid(file, "IDX size mismatch: dimensions " + Arrays.toString(dims) + " need "
                    + expected + " bytes, file has " + bytes.length + (bytes.length < expected ? " (truncated)" : ""));
        }
        buf.position(4 + 4 * rank);
        return new IdxFile(file, type, dims, buf.slice().order(ByteOrder.BIG_ENDIAN));
    }

    /** {@code a * b}, or a cap far above any real file size when it would overflow. */
    private static long cappedProduct(long a, int b) {
        long cap = Long.MAX_VALUE / 16;
        return b != 0 && a > cap / b ? cap : a * b;
    }

    private static InputStream open(Path file) throws IOException {
        InputStream in = Files.newInputStream(file);
        return file.getFileName().toString().endsWith(".gz") ? new GZIPInputStream(in) : in;
    }

    private static int elementSize(int type) {
        switch (type) {
            case 0x08: case 0x09: return 1;
            case 0x0B: return 2;
            case 0x0C: case 0x0D: return 4;
            case 0x0E: return 8;
            default: return -1;
        }
    }

    Path file() {
        return file;
    }

    int[] dims() {
        return dims.clone();
    }

    int count() {
        return dims[0];
    }

    boolean integral() {
        return typeCode != 0x0D && typeCode != 0x0E;
    }

    /** Element {@code e} of item {@code item}, as a double (ubyte read unsigned). */
    double value(int item, int e) {
        int index = item * itemElements + e;
        switch (typeCode) {
            case 0x08: return data.get(index) & 0xFF;
            case 0x09: return data.get(index);
            case 0x0B: return data.getShort(index * 2);
            case 0x0C: return data.getInt(index * 4);
            case 0x0D: return data.getFloat(index * 4);
            default: return data.getDouble(index * 8);
        }
    }
}
