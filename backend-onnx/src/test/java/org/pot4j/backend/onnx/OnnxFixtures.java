package org.pot4j.backend.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.pot4j.api.Tensor;
import org.pot4j.backend.onnx.proto.OnnxProtos.ModelProto;

/** Test model files under {@code target/test-models}, and plain ONNX Runtime reference runs. */
final class OnnxFixtures {
    static final Path DIR = Path.of("target", "test-models");

    private OnnxFixtures() {
    }

    private static final java.util.Set<String> WRITTEN = new java.util.HashSet<>();

    /** Writes {@code model} as {@code target/test-models/<name>} (once per test JVM, so edits to the builders show) and returns its path. */
    static synchronized Path file(String name, ModelProto model) {
        Path p = DIR.resolve(name);
        try {
            if (WRITTEN.add(name) || !Files.exists(p)) {
                OnnxTestModels.write(model, p);
            }
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The residual CNN (opset 13, width 8). */
    static Path residualCnn() {
        return file("residual-cnn.onnx", OnnxTestModels.residualCnn(13, 8));
    }

    /** A bundled example model, e.g. {@code mnist-lenet/lenet.onnx}, or null when not there (yet). */
    static Path example(String relative) {
        for (Path base : new Path[] {Path.of("..", "examples"), Path.of("examples")}) {
            Path p = base.resolve(relative);
            if (Files.isRegularFile(p)) {
                return p.normalize();
            }
        }
        return null;
    }

    /** The first {@code n} MNIST test images (pixel / 255, [1,28,28]) with labels. */
    static org.pot4j.api.data.Dataset mnistTest(int n) throws IOException {
        return mnist("test", n);
    }

    /** The first {@code n} MNIST calibration images. */
    static org.pot4j.api.data.Dataset mnistCalibration(int n) throws IOException {
        return mnist("calibration", n);
    }

    private static org.pot4j.api.data.Dataset mnist(String split, int n) throws IOException {
        return org.pot4j.testkit.MnistFixture.read(split, n, 1, 28, 28);
    }

    /** Outputs of a plain ORT session (no pot4j code in between) on {@code file}. */
    static Map<String, Tensor> ortReference(Path file, Map<String, Tensor> batch) {
        OrtEnvironment env = OnnxEnvironment.get().env();
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions();
             OrtSession s = env.createSession(file.toString(), so)) {
            Map<String, OnnxTensor> feeds = new LinkedHashMap<>();
            for (Map.Entry<String, Tensor> e : batch.entrySet()) {
                feeds.put(e.getKey(), OnnxValues.toOrt(env, e.getValue()));
            }
            try (OrtSession.Result r = s.run(feeds)) {
                Map<String, Tensor> out = new LinkedHashMap<>();
                for (Map.Entry<String, OnnxValue> e : r) {
                    out.put(e.getKey(), OnnxValues.fromOrt(e.getKey(), e.getValue()));
                }
                return out;
            } finally {
                feeds.values().forEach(OnnxTensor::close);
            }
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
    }
}
