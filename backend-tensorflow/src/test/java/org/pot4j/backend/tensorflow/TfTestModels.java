package org.pot4j.backend.tensorflow;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.data.Sample;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * Test fixtures built with TensorFlow Java itself, so no Python is needed to regenerate them: a
 * small NHWC CNN with every op kind the backend handles,
 * {@code x[N,8,8,2] -> Conv2D(3x3, 8)+BiasAdd+Relu -> DepthwiseConv2dNative(3x3)+BiasAdd+Relu
 * -> Conv2D(1x1, 8)+BiasAdd -> Add(residual) -> Relu -> Reshape[N,512] -> MatMul[512,10]+BiasAdd = logits},
 * written as a TF1-style SavedModel (weights in {@code VariableV2} variables restored from
 * {@code variables/}) and as a frozen GraphDef (weights as constants). Weights are seeded.
 */
final class TfTestModels {
    static final String INPUT = "x";
    static final String OUTPUT = "logits";
    private static final long SEED = 7;
    private static final Map<Object, Map<String, Ops>> SCOPES = java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

    private TfTestModels() {
    }

    /** Writes the SavedModel (signature serving_default: input "input" -> output "logits") to {@code dir}. */
    static Path savedModel(Path dir) {
        try (Graph g = new Graph()) {
            Operand<TFloat32> logits = build(g, true);
            try (Session s = new Session(g)) {
                s.initialize();
                Signature sig = Signature.builder().key("serving_default")
                        .input("input", g.outputOrThrow(INPUT))
                        .output(OUTPUT, logits)
                        .build();
                SavedModelBundle.exporter(dir.toString()).withSession(s).withSignature(sig).export();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    /** Writes the frozen GraphDef (placeholder "x", output "logits") to {@code file}. */
    static Path frozenGraph(Path file) {
        return writeFrozen(file, g -> build(g, false));
    }

    /** Writes the GraphDef that {@code builder} builds to {@code file}. */
    private static Path writeFrozen(Path file, java.util.function.Consumer<Graph> builder) {
        try (Graph g = new Graph()) {
            builder.accept(g);
            Files.write(file, g.toGraphDef().toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /** Placeholder "x" of NHWC images [N,6,6,3]. */
    private static Placeholder<TFloat32> images(Ops tf) {
        return tf.withName(INPUT).placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 6, 6, 3)));
    }

    /** {@code Mean[1,2] -> MatMul -> BiasAdd} from 4 channels to 5 classes, output "logits". */
    private static void classifierHead(Ops tf, Operand<TFloat32> features, Random r) {
        Operand<TFloat32> gap = named(tf, "gap/Mean").math.mean(features, tf.constant(new int[] {1, 2}));
        Operand<TFloat32> mm = named(tf, "fc/MatMul").linalg.matMul(gap, weight(tf, "fc/kernel", r, false, 4, 5));
        tf.withName(OUTPUT).nn.biasAdd(mm, weight(tf, "fc/bias", r, false, 5));
    }

    /**
     * Writes a frozen graph with unfolded batch norms (placeholder "x" [N,6,6,3], output "logits"):
     * {@code Conv2D(no bias) -> FusedBatchNormV3 -> Relu -> DepthwiseConv2dNative -> Mul(c) -> AddV2(c) -> Relu6
     * -> Mean[1,2] -> MatMul -> BiasAdd}, the TF1 and the Keras 3 way of running BatchNormalization.
     */
    static Path batchNormGraph(Path file) {
        return writeFrozen(file, g -> {
            Ops tf = Ops.create(g);
            Random r = new Random(SEED + 1);
            Placeholder<TFloat32> x = images(tf);
            List<Long> ones = List.of(1L, 1L, 1L, 1L);
            Operand<TFloat32> c = named(tf, "conv/Conv2D").nn.conv2d(x, weight(tf, "conv/kernel", r, false, 3, 3, 3, 4), ones, "SAME");
            Operand<TFloat32> bn = named(tf, "bn/FusedBatchNormV3").nn.fusedBatchNorm(c, positive(tf, "bn/gamma", r, 4),
                    weight(tf, "bn/beta", r, false, 4), weight(tf, "bn/mean", r, false, 4), positive(tf, "bn/variance", r, 4),
                    org.tensorflow.op.nn.FusedBatchNorm.isTraining(false), org.tensorflow.op.nn.FusedBatchNorm.epsilon(1e-3f)).y();
            Operand<TFloat32> r1 = named(tf, "bn/Relu").nn.relu(bn);
            Operand<TFloat32> d = named(tf, "dw/depthwise").nn.depthwiseConv2dNative(r1, weight(tf, "dw/kernel", r, false, 3, 3, 4, 1), ones, "SAME");
            Operand<TFloat32> scaled = named(tf, "bn2/mul").math.mul(d, positive(tf, "bn2/scale", r, 4));
            Operand<TFloat32> shifted = named(tf, "bn2/add").math.add(scaled, weight(tf, "bn2/shift", r, false, 4));
            classifierHead(tf, named(tf, "bn2/Relu6").nn.relu6(shifted), r);
        });
    }

    /**
     * Writes a frozen graph with Keras 3 BatchNormalization after a convolution that has a bias (as in Keras'
     * ResNet50): {@code Conv2D -> BiasAdd -> Mul(c) -> AddV2(c) -> Relu -> Mean[1,2] -> MatMul -> BiasAdd}
     * (placeholder "x" [N,6,6,3], output "logits").
     */
    static Path biasedConvBatchNormGraph(Path file) {
        return writeFrozen(file, g -> {
            Ops tf = Ops.create(g);
            Random r = new Random(SEED + 2);
            Placeholder<TFloat32> x = images(tf);
            Operand<TFloat32> c = named(tf, "conv/Conv2D").nn.conv2d(x, weight(tf, "conv/kernel", r, false, 3, 3, 3, 4),
                    List.of(1L, 1L, 1L, 1L), "SAME");
            Operand<TFloat32> b = named(tf, "conv/BiasAdd").nn.biasAdd(c, weight(tf, "conv/bias", r, false, 4));
            Operand<TFloat32> scaled = named(tf, "bn/mul").math.mul(b, positive(tf, "bn/scale", r, 4));
            Operand<TFloat32> shifted = named(tf, "bn/add").math.add(scaled, weight(tf, "bn/shift", r, false, 4));
            classifierHead(tf, named(tf, "bn/Relu").nn.relu(shifted), r);
        });
    }

    private static Operand<TFloat32> positive(Ops tf, String name, Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = 0.5f + r.nextFloat();
        }
        return named(tf, name).constant(Shape.of(n), DataBuffers.of(v, true, false));
    }

    /** Runs a frozen graph with a plain TensorFlow session, without pot4j. */
    static float[] runFrozenPlain(Path file, Tensor batch) {
        try (Graph g = new Graph()) {
            g.importGraphDef(org.tensorflow.proto.GraphDef.parseFrom(Files.readAllBytes(file)));
            try (Session s = new Session(g);
                 TFloat32 in = TFloat32.tensorOf(Shape.of(batch.shape()), DataBuffers.of(batch.floats(), true, false));
                 Result r = s.runner().feed(INPUT, in).fetch(OUTPUT).run()) {
                return TfTensors.fromTf(r.get(0)).floats();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Eight seeded random samples of shape [8,8,2] under input name "input". */
    static Dataset dataset() {
        Random r = new Random(11);
        List<Sample> samples = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            float[] x = new float[8 * 8 * 2];
            for (int j = 0; j < x.length; j++) {
                x[j] = (float) r.nextGaussian();
            }
            samples.add(Sample.of("input", Tensor.ofFloats(new long[] {8, 8, 2}, x), i % 10));
        }
        return Dataset.of("tf-test", samples);
    }

    /** Runs the SavedModel with a plain TensorFlow session, without pot4j: the reference outputs. */
    static Map<String, Tensor> runPlain(Path savedModel, String inputOp, String outputTensor, Tensor batch) {
        try (SavedModelBundle b = SavedModelBundle.load(savedModel.toString(), "serve");
             TFloat32 in = TFloat32.tensorOf(Shape.of(batch.shape()), DataBuffers.of(batch.floats(), true, false));
             Result r = b.session().runner().feed(inputOp, in).fetch(outputTensor).run()) {
            Map<String, Tensor> out = new LinkedHashMap<>();
            out.put(OUTPUT, TfTensors.fromTf(r.get(0)));
            return out;
        }
    }

    private static Operand<TFloat32> build(Graph g, boolean variables) {
        Ops tf = Ops.create(g);
        Random r = new Random(SEED);
        Placeholder<TFloat32> x = tf.withName(INPUT).placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 8, 8, 2)));
        List<Long> ones = List.of(1L, 1L, 1L, 1L);
        Operand<TFloat32> c1 = named(tf, "conv1/Conv2D").nn.conv2d(x, weight(tf, "conv1/kernel", r, variables, 3, 3, 2, 8), ones, "SAME");
        Operand<TFloat32> r1 = named(tf, "conv1/Relu").nn.relu(
                named(tf, "conv1/BiasAdd").nn.biasAdd(c1, weight(tf, "conv1/bias", r, variables, 8)));
        Operand<TFloat32> d = named(tf, "dw/depthwise").nn.depthwiseConv2dNative(r1, weight(tf, "dw/kernel", r, variables, 3, 3, 8, 1), ones, "SAME");
        Operand<TFloat32> r2 = named(tf, "dw/Relu").nn.relu(
                named(tf, "dw/BiasAdd").nn.biasAdd(d, weight(tf, "dw/bias", r, variables, 8)));
        Operand<TFloat32> c3 = named(tf, "conv2/Conv2D").nn.conv2d(r2, weight(tf, "conv2/kernel", r, variables, 1, 1, 8, 8), ones, "SAME");
        Operand<TFloat32> b3 = named(tf, "conv2/BiasAdd").nn.biasAdd(c3, weight(tf, "conv2/bias", r, variables, 8));
        Operand<TFloat32> r3 = named(tf, "block/Relu").nn.relu(named(tf, "block/add").math.add(b3, r1));
        Operand<TFloat32> flat = tf.withName("flatten").reshape(r3, tf.constant(new long[] {-1, 512}));
        Operand<TFloat32> mm = named(tf, "fc/MatMul").linalg.matMul(flat, weight(tf, "fc/kernel", r, variables, 512, 10));
        return tf.withName(OUTPUT).nn.biasAdd(mm, weight(tf, "fc/bias", r, variables, 10));
    }

    /**
     * Ops whose next op gets a slash-scoped name such as {@code conv1/Conv2D}. TensorFlow Java
     * makes every {@code withSubScope} call unique, so each scope is created once per graph.
     */
    private static Ops named(Ops tf, String name) {
        int slash = name.lastIndexOf('/');
        if (slash < 0) {
            return tf.withName(name);
        }
        Map<String, Ops> scopes = SCOPES.computeIfAbsent(tf.scope().env(), k -> new HashMap<>());
        return scopes.computeIfAbsent(name.substring(0, slash), tf::withSubScope).withName(name.substring(slash + 1));
    }

    /** He-initialized weights (biases small), as a variable or a constant. */
    private static Operand<TFloat32> weight(Ops tf, String name, Random r, boolean variable, long... shape) {
        int n = Math.toIntExact(Tensor.elementCount(shape));
        long fanIn = shape.length == 1 ? 1 : n / shape[shape.length - 1];
        double std = shape.length == 1 ? 0.1 : Math.sqrt(2.0 / fanIn);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() * std);
        }
        Operand<TFloat32> value = named(tf, variable ? name + "_init" : name).constant(Shape.of(shape), DataBuffers.of(v, true, false));
        return variable ? named(tf, name).variable(value) : value;
    }
}
