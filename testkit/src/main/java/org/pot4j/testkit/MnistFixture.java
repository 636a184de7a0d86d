package org.pot4j.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.data.Sample;

/**
 * The MNIST IDX files of the repository's {@code examples/data/mnist} as a dataset for tests:
 * pixel/255 samples in the shape a model wants ({@code [1,28,28]} NCHW, {@code [28,28,1]} NHWC)
 * under input name {@code input}, with Integer labels. One test-only IDX reader for every module
 * (the engine's {@code idx} dataset provider is the product's).
 */
public final class MnistFixture implements Dataset {
    private final byte[] pixels;
    private final byte[] labels;
    private final int count;
    private final int offset;
    private final int labelOffset;
    private final long[] sampleShape;

    private MnistFixture(byte[] images, byte[] labels, int limit, long[] sampleShape) {
        ByteBuffer b = ByteBuffer.wrap(images);
        int rank = images[3];
        this.count = Math.min(limit, b.getInt(4));
        this.offset = 4 + 4 * rank;
        this.labelOffset = 4 + 4 * labels[3];
        this.pixels = images;
        this.labels = labels;
        this.sampleShape = sampleShape.clone();
    }

    /** The repository's {@code examples} folder (tests run in their module's folder). */
    public static Path examples() {
        return Path.of("..", "examples").toAbsolutePath().normalize();
    }

    /**
     * The first {@code limit} samples of a split.
     *
     * @param split       {@code calibration} or {@code test}
     * @param sampleShape e.g. {@code 1, 28, 28} or {@code 28, 28, 1}
     */
    public static MnistFixture read(String split, int limit, long... sampleShape) {
        Path dir = examples().resolve("data").resolve("mnist");
        try {
            return new MnistFixture(Files.readAllBytes(dir.resolve(split + "-images.idx3-ubyte")),
                    Files.readAllBytes(dir.resolve(split + "-labels.idx1-ubyte")), limit, sampleShape);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public int size() {
        return count;
    }

    @Override
    public Sample get(int index) {
        float[] x = new float[28 * 28];
        for (int i = 0; i < x.length; i++) {
            x[i] = Byte.toUnsignedInt(pixels[offset + index * x.length + i]) / 255f;
        }
        return Sample.of("input", Tensor.ofFloats(sampleShape, x), label(index));
    }

    /** The label of sample {@code index}. */
    public int label(int index) {
        return Byte.toUnsignedInt(labels[labelOffset + index]);
    }

    @Override
    public String name() {
        return "mnist";
    }
}
