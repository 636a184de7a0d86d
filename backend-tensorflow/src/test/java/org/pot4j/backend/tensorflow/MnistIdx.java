package org.pot4j.backend.tensorflow;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.data.Sample;

/** The MNIST example data as NHWC samples ([28,28,1], pixel/255) with Integer labels; a test-only IDX reader. */
final class MnistIdx implements Dataset {
    /** The examples folder of the repository (tests run in the module folder). */
    static final Path EXAMPLES = Path.of("..", "examples").toAbsolutePath().normalize();

    private final byte[] pixels;
    private final byte[] labels;
    private final int count;
    private final int offset;

    private MnistIdx(byte[] images, byte[] labels) {
        ByteBuffer b = ByteBuffer.wrap(images);
        int rank = images[3];
        this.count = b.getInt(4);
        this.offset = 4 + 4 * rank;
        this.pixels = images;
        this.labels = labels;
    }

    /** {@code split} is {@code calibration} or {@code test}. */
    static MnistIdx split(String split) {
        Path dir = EXAMPLES.resolve("data").resolve("mnist");
        try {
            return new MnistIdx(Files.readAllBytes(dir.resolve(split + "-images.idx3-ubyte")),
                    Files.readAllBytes(dir.resolve(split + "-labels.idx1-ubyte")));
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
        return Sample.of("input", Tensor.ofFloats(new long[] {28, 28, 1}, x), Byte.toUnsignedInt(labels[8 + index]));
    }

    @Override
    public String name() {
        return "mnist";
    }
}
