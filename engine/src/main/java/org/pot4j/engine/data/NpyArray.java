package org.pot4j.engine.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.pot4j.api.DataType;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.Tensor;

/**
 * A {@code .npy} array (format versions 1, 2 and 3; C order; dtypes {@code f4 f8 i8 i4 u1 i1 b1}
 * in either byte order), memory-mapped so items along the first axis are read only when asked.
 */
final class NpyArray {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private final Path file;
    private final DataType type;
    private final ByteOrder order;
    private final long[] shape;
    private final ByteBuffer data;
    private final int itemElements;

    private NpyArray(Path file, DataType type, ByteOrder order, long[] shape, ByteBuffer data) {
        this.file = file;
        this.type = type;
        this.order = order;
        this.shape = shape;
        this.data = data;
        this.itemElements = Math.toIntExact(Tensor.elementCount(Arrays.copyOfRange(shape, 1, shape.length)));
    }

    static NpyArray read(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer head = ByteBuffer.allocate((int) Math.min(size, 12)).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(head, 0);
            head.flip();
            if (head.remaining() < 10 || !startsWithMagic(head)) {
                throw DatasetFiles.invalid(file, "not a .npy file: bad magic (expected \\x93NUMPY)");
            }
            int major = head.get(6) & 0xFF;
            long headerLen;
            int headerStart;
            if (major == 1) {
                headerLen = head.getShort(8) & 0xFFFF;
                headerStart = 10;
            } else if (major == 2 || major == 3) {
                if (head.limit() < 12) {
                    throw DatasetFiles.invalid(file, ".npy header truncated");
                }
                headerLen = head.getInt(8) & 0xFFFFFFFFL;
                headerStart = 12;
            } else {
                throw DatasetFiles.invalid(file, ".npy format version " + major + " is not supported (1, 2 or 3)");
            }
            if (headerStart + headerLen > size) {
                throw DatasetFiles.invalid(file, ".npy header truncated: needs " + headerLen + " bytes");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            ch.read(hb, headerStart);
            String header = new String(hb.array(), major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
            String descr = group(DESCR, header, file, "descr");
            if (group(FORTRAN, header, file, "fortran_order").equals("True")) {
                throw DatasetFiles.invalid(file, "array is in Fortran order; save it in C order (numpy.ascontiguousarray)");
            }
            long[] shape = parseShape(group(SHAPE, header, file, "shape"), file);
            if (shape.length == 0) {
                throw DatasetFiles.invalid(file, "array is a scalar; its first axis must index samples");
            }
            DataType type = dataType(descr, file);
            ByteOrder order = descr.charAt(0) == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
            long dataStart = headerStart + headerLen;
            long needed = Math.multiplyExact(Tensor.elementCount(shape), (long) type.byteSize());
            if (size - dataStart < needed) {
                throw DatasetFiles.invalid(file, "truncated: shape " + Arrays.toString(shape) + " of " + descr
                        + " needs " + needed + " data bytes, file has " + (size - dataStart));
            }
            if (needed > Integer.MAX_VALUE) {
                throw DatasetFiles.invalid(file, "array larger than 2 GB; split it into several files");
            }
            ByteBuffer mapped = ch.map(FileChannel.MapMode.READ_ONLY, dataStart, needed);
            return new NpyArray(file, type, order, shape, mapped);
        } catch (IOException e) {
            throw new Pot4jException(ErrorCode.DATASET_INVALID, file + ": cannot read .npy file (" + e.getMessage() + ")", e);
        }
    }

    private static boolean startsWithMagic(ByteBuffer b) {
        for (int i = 0; i < MAGIC.length; i++) {
            if (b.get(i) != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    private static String group(Pattern p, String header, Path file, String key) {
        Matcher m = p.matcher(header);
        if (!m.find()) {
            throw DatasetFiles.invalid(file, ".npy header has no readable '" + key + "': " + header.trim());
        }
        return m.group(1);
    }

    private static long[] parseShape(String text, Path file) {
        List<Long> dims = new ArrayList<>();
        for (String part : text.split(",")) {
            String t = part.trim().replace("L", "");
            if (!t.isEmpty()) {
                try {
                    dims.add(Long.parseLong(t));
                } catch (NumberFormatException e) {
                    throw DatasetFiles.invalid(file, ".npy shape (" + text + ") is not a tuple of integers");
                }
            }
        }
        return dims.stream().mapToLong(Long::longValue).toArray();
    }

    private static DataType dataType(String descr, Path file) {
        if (descr.length() >= 2) {
            char bo = descr.charAt(0);
            String code = descr.substring(1);
            if (bo == '<' || bo == '>' || bo == '|' || bo == '=') {
                switch (code) {
                    case "f4": return DataType.FLOAT32;
                    case "f8": return DataType.FLOAT64;
                    case "i8": return DataType.INT64;
                    case "i4": return DataType.INT32;
                    case "u1": return DataType.UINT8;
                    case "i1": return DataType.INT8;
                    case "b1": return DataType.BOOL;
                    default: break;
                }
            }
        }
        throw DatasetFiles.invalid(file, "dtype '" + descr + "' is not supported; use one of <f4 <f8 <i8 <i4 |u1 |i1 |b1");
    }

    Path file() {
        return file;
    }

    DataType type() {
        return type;
    }

    long[] shape() {
        return shape.clone();
    }

    /** Number of items along the first axis. */
    int count() {
        return Math.toIntExact(shape[0]);
    }

    /** Item {@code i} along the first axis, without that axis (a scalar item has shape {@code []}). */
    Tensor item(int i) {
        long[] s = Arrays.copyOfRange(shape, 1, shape.length);
        int n = itemElements;
        ByteBuffer b = data.duplicate().order(order);
        b.position(i * n * type.byteSize());
        switch (type) {
            case FLOAT32: {
                float[] a = new float[n];
                b.asFloatBuffer().get(a);
                return Tensor.ofFloats(s, a);
            }
            case FLOAT64: {
                double[] a = new double[n];
                b.asDoubleBuffer().get(a);
                return Tensor.ofDoubles(s, a);
            }
            case INT64: {
                long[] a = new long[n];
                b.asLongBuffer().get(a);
                return Tensor.ofLongs(s, a);
            }
            case INT32: {
                int[] a = new int[n];
                b.asIntBuffer().get(a);
                return Tensor.ofInts(s, a);
            }
            default: {
                byte[] a = new byte[n];
                b.get(a);
                return Tensor.ofBytes(s, type, a);
            }
        }
    }
}
