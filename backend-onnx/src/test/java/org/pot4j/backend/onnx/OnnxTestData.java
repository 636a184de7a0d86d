package org.pot4j.backend.onnx;

import java.util.Random;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.data.Sample;

/** Datasets for the backend tests: deterministic random images (MNIST comes from the testkit's {@code MnistFixture}). */
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
