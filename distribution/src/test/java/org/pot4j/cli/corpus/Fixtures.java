package org.pot4j.cli.corpus;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Small real inputs for the corpus, cut from the committed MNIST example data: 16 calibration
 * samples as idx ({@code images16.idx3}, {@code labels16.idx1}) and npy ({@code x16.npy},
 * {@code y16.npy}), and 64 test samples for AccuracyAware runs ({@code val64.idx3}, {@code val64.idx1});
 * a tiny encoder ({@code encoder.onnx}, {@link TinyEncoder}) with 16 valid token sequences ({@code tokens/}).
 */
final class Fixtures {
    private Fixtures() {
    }

    static void write(Path examples, Path dir) throws IOException {
        Path mnist = examples.resolve("data/mnist");
        byte[] images = Files.readAllBytes(mnist.resolve("calibration-images.idx3-ubyte"));
        byte[] labels = Files.readAllBytes(mnist.resolve("calibration-labels.idx1-ubyte"));
        cut(images, labels, 16, dir.resolve("images16.idx3"), dir.resolve("labels16.idx1"));
        byte[] testImages = Files.readAllBytes(mnist.resolve("test-images.idx3-ubyte"));
        byte[] testLabels = Files.readAllBytes(mnist.resolve("test-labels.idx1-ubyte"));
        cut(testImages, testLabels, 64, dir.resolve("val64.idx3"), dir.resolve("val64.idx1"));
        // other 16 samples: the "changed calibration data" of the resume cases
        cut(testImages, testLabels, 16, dir.resolve("images16b.idx3"), dir.resolve("labels16b.idx1"));

        float[] x = new float[16 * 784];
        for (int i = 0; i < x.length; i++) {
            x[i] = (images[16 + i] & 0xff) / 255f;
        }
        ByteBuffer xb = ByteBuffer.allocate(x.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : x) {
            xb.putFloat(v);
        }
        npy(dir.resolve("x16.npy"), "<f4", new int[] {16, 1, 28, 28}, xb.array());
        ByteBuffer yb = ByteBuffer.allocate(16 * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 16; i++) {
            yb.putLong(labels[8 + i] & 0xff);
        }
        npy(dir.resolve("y16.npy"), "<i8", new int[] {16}, yb.array());

        // a tiny BERT-style encoder and 16 valid token sequences (ids 1..99, 12 tokens, all real)
        TinyEncoder.write(dir.resolve("encoder.onnx"));
        Path tokens = Files.createDirectories(dir.resolve("tokens"));
        ByteBuffer ids = ByteBuffer.allocate(16 * 12 * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 16 * 12; i++) {
            ids.putLong(1 + (i * 37L) % (TinyEncoder.VOCAB - 1));
        }
        npy(tokens.resolve("input_ids.npy"), "<i8", new int[] {16, 12}, ids.array());
        npy(tokens.resolve("attention_mask.npy"), "<i8", new int[] {16, 12}, "1");
    }

    private static void cut(byte[] images, byte[] labels, int n, Path imagesOut, Path labelsOut) throws IOException {
        ByteBuffer head = ByteBuffer.wrap(images).order(ByteOrder.BIG_ENDIAN);
        int rows = head.getInt(8);
        int cols = head.getInt(12);
        byte[] img = Arrays.copyOf(images, 16 + n * rows * cols);
        ByteBuffer.wrap(img).order(ByteOrder.BIG_ENDIAN).putInt(4, n);
        Files.write(imagesOut, img);
        byte[] lab = Arrays.copyOf(labels, 8 + n);
        ByteBuffer.wrap(lab).order(ByteOrder.BIG_ENDIAN).putInt(4, n);
        Files.write(labelsOut, lab);
    }

    /** A .npy file filled with one value ({@code nan} allowed) of the given dtype. */
    static void npy(Path file, String descr, int[] shape, String fill) throws IOException {
        int count = 1;
        for (int d : shape) {
            count *= d;
        }
        int size = Integer.parseInt(descr.substring(2));
        ByteBuffer b = ByteBuffer.allocate(count * size).order(descr.charAt(0) == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        double v = fill.equalsIgnoreCase("nan") ? Double.NaN : fill.equalsIgnoreCase("inf") ? Double.POSITIVE_INFINITY
                : Double.parseDouble(fill);
        for (int i = 0; i < count; i++) {
            switch (descr.substring(1)) {
                case "f4" -> b.putFloat((float) v);
                case "f8" -> b.putDouble(v);
                case "i8" -> b.putLong((long) v);
                case "i4" -> b.putInt((int) v);
                case "u1", "i1" -> b.put((byte) v);
                default -> b.put(new byte[size]);
            }
        }
        npy(file, descr, shape, b.array());
    }

    static void npy(Path file, String descr, int[] shape, byte[] data) throws IOException {
        StringBuilder dims = new StringBuilder();
        for (int d : shape) {
            dims.append(d).append(", ");
        }
        String s = shape.length == 1 ? shape[0] + "," : dims.substring(0, dims.length() - 2);
        String header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + s + "), }";
        int total = 10 + header.length() + 1;
        int pad = (64 - total % 64) % 64;
        header = header + " ".repeat(pad) + "\n";
        ByteBuffer out = ByteBuffer.allocate(10 + header.length() + data.length).order(ByteOrder.LITTLE_ENDIAN);
        out.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
        out.putShort((short) header.length()).put(header.getBytes(StandardCharsets.US_ASCII)).put(data);
        Files.write(file, out.array());
    }
}
