package org.pot4j.backend.onnx;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.data.Sample;

/** Datasets for the backend tests: deterministic random images, and MNIST from IDX files. */
final class OnnxTestData {
    private OnnxTestData() {
    }

    /** {@code n} images [1,side,side] with uniform pixels in [0,1). */
    static Dataset randomImages(int n, int side, long seed) {
        float[][] images = new float[n][side * side];
        Random r = new Random(seed);
        for (float[] img : images) {
            for (int i = 0; i < img.length; i++) {
                img[i] = r.nextFloat();
            }
        }
        return of(images, new long[] {1, side, side}, null);
    }

    /** Random [rows, cols] float samples in [-1, 1). */
    static Dataset randomMatrices(int n, int rows, int cols, long seed) {
        float[][] data = new float[n][rows * cols];
        Random r = new Random(seed);
        for (float[] d : data) {
            for (int i = 0; i < d.length; i++) {
                d[i] = r.nextFloat() * 2 - 1;
            }
        }
        return of(data, new long[] {rows, cols}, null);
    }

    /**
     * MNIST images [1,28,28] (pixel / 255) with Integer labels, read from IDX files: a big-endian
     * magic (0x0803 images, 0x0801 labels), the dimensions, then unsigned bytes.
     */
    static Dataset mnist(Path images, Path labels, int limit) throws IOException {
        try (DataInputStream im = open(images); DataInputStream lb = open(labels)) {
            if (im.readInt() != 0x0803 || lb.readInt() != 0x0801) {
                throw new IOException("not IDX image/label files: " + images + ", " + labels);
            }
            int n = Math.min(limit, im.readInt());
            int rows = im.readInt();
            int cols = im.readInt();
            lb.readInt();
            float[][] data = new float[n][rows * cols];
            int[] y = new int[n];
            byte[] buf = new byte[rows * cols];
            for (int i = 0; i < n; i++) {
                im.readFully(buf);
                for (int k = 0; k < buf.length; k++) {
                    data[i][k] = Byte.toUnsignedInt(buf[k]) / 255f;
                }
                y[i] = lb.readUnsignedByte();
            }
            return of(data, new long[] {1, rows, cols}, y);
        }
    }

    private static DataInputStream open(Path p) throws IOException {
        InputStream in = Files.newInputStream(p);
        return new DataInputStream(new java.io.BufferedInputStream(in));
    }

    private static Dataset of(float[][] data, long[] shape, int[] labels) {
        return new Dataset() {
            @Override
            public int size() {
                return data.length;
            }

            @Override
            public Sample get(int index) {
                return Sample.of("input", Tensor.ofFloats(shape, data[index]), labels == null ? null : labels[index]);
            }
        };
    }
}
