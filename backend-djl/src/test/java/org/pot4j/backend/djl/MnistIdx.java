package org.pot4j.backend.djl;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.data.Sample;

/** The MNIST IDX files of {@code examples/data/mnist} as a dataset of [1,28,28] = pixel/255 samples (test helper). */
final class MnistIdx implements Dataset {
    static final Path DIR = Path.of("..", "examples", "data", "mnist");

    private final float[][] images;
    private final int[] labels;

    MnistIdx(String split, int limit) throws IOException {
        try (DataInputStream img = open(DIR.resolve(split + "-images.idx3-ubyte"));
             DataInputStream lab = open(DIR.resolve(split + "-labels.idx1-ubyte"))) {
            img.readInt();
            int n = Math.min(limit, img.readInt());
            int pixels = img.readInt() * img.readInt();
            lab.readInt();
            lab.readInt();
            images = new float[n][pixels];
            labels = new int[n];
            byte[] buf = new byte[pixels];
            for (int i = 0; i < n; i++) {
                img.readFully(buf);
                for (int p = 0; p < pixels; p++) {
                    images[i][p] = (buf[p] & 0xff) / 255f;
                }
                labels[i] = lab.readUnsignedByte();
            }
        }
    }

    private static DataInputStream open(Path p) throws IOException {
        InputStream in = Files.newInputStream(p);
        return new DataInputStream(new java.io.BufferedInputStream(in));
    }

    @Override
    public int size() {
        return images.length;
    }

    @Override
    public Sample get(int index) {
        return Sample.of("input", Tensor.ofFloats(new long[] {1, 28, 28}, images[index]), labels[index]);
    }

    int label(int index) {
        return labels[index];
    }

    @Override
    public String name() {
        return "mnist";
    }
}
