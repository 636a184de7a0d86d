package org.pot4j.engine.testing;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.pot4j.api.DataType;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.Tensor;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.Model;
import org.pot4j.api.graph.NodeKind;
import org.pot4j.api.model.QuantizableNode;
import org.pot4j.api.model.TensorInfo;
import org.pot4j.api.quant.ActivationQuantizer;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.api.quant.WeightQuantizer;

/**
 * A real, deterministic reference model in plain Java for engine tests: a small graph of
 * fully-connected ({@code Gemm}), convolution ({@code Conv}, NCHW, stride 1, no padding),
 * {@code Relu}, residual {@code Add}, {@code Softmax} and {@code Flatten} ops. It honours a
 * {@link QuantizationPlan} exactly as a QDQ runtime does: weights are fake-quantized per channel
 * with {@link WeightQuantizer#fakeQuantize}, every consumer of a quantized tensor sees
 * {@link ActivationQuantizer#fakeQuantize}d values, bias shifts are added to biases. Intermediate
 * tensors are returned as they are produced (before their own quantizer), like an ONNX graph
 * output on the original tensor name.
 */
public final class JavaMlpModel implements Model {
    private final List<TensorInfo> inputs;
    private final List<TensorInfo> outputs;
    private final List<Op> ops;
    private final List<QuantizableNode> nodes = new ArrayList<>();
    private final Map<String, Op> opsById = new HashMap<>();
    private final AtomicInteger compiles = new AtomicInteger();
    private final AtomicInteger inferences = new AtomicInteger();
    private final AtomicInteger rows = new AtomicInteger();

    private JavaMlpModel(List<TensorInfo> inputs, List<String> outputNames, List<Op> ops) {
        this.inputs = List.copyOf(inputs);
        this.ops = List.copyOf(ops);
        Map<String, long[]> shapes = new HashMap<>();
        inputs.forEach(i -> shapes.put(i.name(), i.shape()));
        for (Op op : ops) {
            shapes.put(op.out(), op.outShape(shapes));
            QuantizableNode n = op.node();
            if (n != null) {
                nodes.add(n);
                opsById.put(n.id(), op);
            }
        }
        List<TensorInfo> outs = new ArrayList<>();
        for (String o : outputNames) {
            outs.add(new TensorInfo(o, DataType.FLOAT32, shapes.get(o)));
        }
        this.outputs = List.copyOf(outs);
    }

    /** A new graph with one FLOAT32 input; {@code shape} has -1 for the batch dimension. */
    public static Builder builder(String inputName, long... shape) {
        return new Builder(new TensorInfo(inputName, DataType.FLOAT32, shape));
    }

    /**
     * The 2-layer MLP most tests use: input [N, in] -> fc1 (Gemm) -> Relu -> fc2 (Gemm) -> logits,
     * with seeded random weights and non-zero biases.
     */
    public static JavaMlpModel mlp(long seed, int in, int hidden, int out) {
        Random r = new Random(seed);
        return builder("input", -1, in)
                .linear("fc1", "input", "fc1_out", randomMatrix(r, hidden, in, 1.0 / Math.sqrt(in)), randomVector(r, hidden, 0.5))
                .relu("fc1_out", "relu1")
                .linear("fc2", "relu1", "logits", randomMatrix(r, out, hidden, 1.0 / Math.sqrt(hidden)), randomVector(r, out, 0.5))
                .output("logits")
                .build();
    }

    /** A tiny CNN: input [N, 2, 6, 6] -> conv 3x3 (4 channels) -> Relu -> flatten -> fc (3). */
    public static JavaMlpModel tinyConv(long seed) {
        Random r = new Random(seed);
        return builder("image", -1, 2, 6, 6)
                .conv("conv1", "image", "conv1_out", 2, 4, 3, randomVector(r, 4 * 2 * 3 * 3, 0.4), randomVector(r, 4, 0.3))
                .relu("conv1_out", "conv1_relu")
                .flatten("conv1_relu", "flat")
                .linear("fc", "flat", "logits", randomMatrix(r, 3, 64, 0.2), randomVector(r, 3, 0.3))
                .output("logits")
                .build();
    }

    /** A seeded random matrix with entries in [-scale, scale]. */
    public static float[][] randomMatrix(Random r, int rowsCount, int cols, double scale) {
        float[][] m = new float[rowsCount][cols];
        for (float[] row : m) {
            for (int j = 0; j < cols; j++) {
                row[j] = (float) ((r.nextDouble() * 2 - 1) * scale);
            }
        }
        return m;
    }

    /** A seeded random vector with entries in [-scale, scale], never exactly 0. */
    public static float[] randomVector(Random r, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            double x = (r.nextDouble() * 2 - 1) * scale;
            v[i] = (float) (Math.abs(x) < 1e-3 ? 1e-3 : x);
        }
        return v;
    }

    /** How many times {@link #compile} was called. */
    public int compileCount() {
        return compiles.get();
    }

    /** How many batches were run. */
    public int inferenceCount() {
        return inferences.get();
    }

    /** How many batch rows were run in total. */
    public int rowCount() {
        return rows.get();
    }

    @Override
    public Path path() {
        return Path.of("java-mlp");
    }

    @Override
    public String backendName() {
        return JavaMlpBackend.NAME;
    }

    @Override
    public List<TensorInfo> inputs() {
        return inputs;
    }

    @Override
    public List<TensorInfo> outputs() {
        return outputs;
    }

    @Override
    public List<QuantizableNode> quantizableNodes() {
        return nodes;
    }

    @Override
    public Tensor weight(QuantizableNode node) {
        Op op = opsById.get(node.id());
        if (op instanceof Linear l) {
            return Tensor.ofFloats(new long[] {l.w.length, l.w[0].length}, flatten(l.w));
        }
        if (op instanceof Conv c) {
            return Tensor.ofFloats(new long[] {c.outC, c.inC, c.k, c.k}, c.w.clone());
        }
        return null;
    }

    @Override
    public Tensor bias(QuantizableNode node) {
        Op op = opsById.get(node.id());
        float[] b = op instanceof Linear l ? l.b : op instanceof Conv c ? c.b : null;
        return b == null ? null : Tensor.ofFloats(new long[] {b.length}, b.clone());
    }

    @Override
    public CompiledModel compile(QuantizationPlan plan, Set<String> extraOutputs) {
        compiles.incrementAndGet();
        return new Compiled(plan, List.copyOf(extraOutputs));
    }

    @Override
    public void save(QuantizationPlan plan, Path target) {
        try {
            Path tmp = Files.createTempFile(target.toAbsolutePath().getParent(), "java-mlp", ".tmp");
            Files.writeString(tmp, plan.toString(), StandardCharsets.UTF_8);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (java.io.IOException e) {
            throw new Pot4jException(ErrorCode.IO_FAILURE, "cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    @Override
    public long sizeOnDisk() {
        long n = 0;
        for (QuantizableNode q : nodes) {
            if (q.hasWeight()) {
                n += 4L * weight(q).size();
            }
        }
        return n;
    }

    private static float[] flatten(float[][] m) {
        float[] out = new float[m.length * m[0].length];
        for (int i = 0; i < m.length; i++) {
            System.arraycopy(m[i], 0, out, i * m[0].length, m[0].length);
        }
        return out;
    }

    /** A value flowing through the graph: row-major data and its shape (batch first). */
    private record Value(float[] data, long[] shape) {
    }

    /** One operation of the graph. */
    private interface Op {
        String out();

        long[] outShape(Map<String, long[]> shapes);

        Value run(Map<String, Value> in, QuantizationPlan plan);

        QuantizableNode node();
    }

    private record Linear(String id, String in, String out, float[][] w, float[] b) implements Op {
        @Override
        public long[] outShape(Map<String, long[]> shapes) {
            return new long[] {shapes.get(in)[0], w.length};
        }

        @Override
        public Value run(Map<String, Value> values, QuantizationPlan plan) {
            Value x = values.get(in);
            int n = (int) x.shape[0];
            int inF = w[0].length;
            int outF = w.length;
            if (x.data.length != n * inF) {
                throw new Pot4jException(ErrorCode.DATASET_SHAPE_MISMATCH, id + " expects " + inF + " features, got " + Arrays.toString(x.shape));
            }
            float[] wq = quantizedWeight(plan, id, flatten(w), new long[] {outF, inF});
            float[] bias = shiftedBias(plan, id, b);
            float[] y = new float[n * outF];
            for (int r = 0; r < n; r++) {
                for (int o = 0; o < outF; o++) {
                    double s = bias == null ? 0 : bias[o];
                    for (int i = 0; i < inF; i++) {
                        s += (double) x.data[r * inF + i] * wq[o * inF + i];
                    }
                    y[r * outF + o] = (float) s;
                }
            }
            return new Value(y, new long[] {n, outF});
        }

        @Override
        public QuantizableNode node() {
            return new QuantizableNode(id, "Gemm", List.of(in), List.of(), id + ".weight", new long[] {w.length, w[0].length}, 0,
                    b == null ? null : id + ".bias", out, 1, NodeKind.LINEAR);
        }
    }

    private record Conv(String id, String in, String out, int inC, int outC, int k, float[] w, float[] b) implements Op {
        @Override
        public long[] outShape(Map<String, long[]> shapes) {
            long[] s = shapes.get(in);
            return new long[] {s[0], outC, s[2] - k + 1, s[3] - k + 1};
        }

        @Override
        public Value run(Map<String, Value> values, QuantizationPlan plan) {
            Value x = values.get(in);
            int n = (int) x.shape[0];
            int h = (int) x.shape[2];
            int wd = (int) x.shape[3];
            int oh = h - k + 1;
            int ow = wd - k + 1;
            float[] wq = quantizedWeight(plan, id, w, new long[] {outC, inC, k, k});
            float[] bias = shiftedBias(plan, id, b);
            float[] y = new float[n * outC * oh * ow];
            for (int r = 0; r < n; r++) {
                for (int o = 0; o < outC; o++) {
                    for (int i = 0; i < oh; i++) {
                        for (int j = 0; j < ow; j++) {
                            double s = bias == null ? 0 : bias[o];
                            for (int c = 0; c < inC; c++) {
                                for (int di = 0; di < k; di++) {
                                    for (int dj = 0; dj < k; dj++) {
                                        s += (double) x.data[((r * inC + c) * h + i + di) * wd + j + dj]
                                                * wq[((o * inC + c) * k + di) * k + dj];
                                    }
                                }
                            }
                            y[((r * outC + o) * oh + i) * ow + j] = (float) s;
                        }
                    }
                }
            }
            return new Value(y, new long[] {n, outC, oh, ow});
        }

        @Override
        public QuantizableNode node() {
            return new QuantizableNode(id, "Conv", List.of(in), List.of(), id + ".weight", new long[] {outC, inC, k, k}, 0,
                    b == null ? null : id + ".bias", out, 1, NodeKind.CONV);
        }
    }

    private record Relu(String in, String out) implements Op {
        @Override
        public long[] outShape(Map<String, long[]> shapes) {
            return shapes.get(in);
        }

        @Override
        public Value run(Map<String, Value> values, QuantizationPlan plan) {
            Value x = values.get(in);
            float[] y = new float[x.data.length];
            for (int i = 0; i < y.length; i++) {
                y[i] = Math.max(0f, x.data[i]);
            }
            return new Value(y, x.shape);
        }

        @Override
        public QuantizableNode node() {
            return null;
        }
    }

    private record Flatten(String in, String out) implements Op {
        @Override
        public long[] outShape(Map<String, long[]> shapes) {
            long[] s = shapes.get(in);
            long f = 1;
            for (int i = 1; i < s.length; i++) {
                f *= s[i];
            }
            return new long[] {s[0], f};
        }

        @Override
        public Value run(Map<String, Value> values, QuantizationPlan plan) {
            Value x = values.get(in);
            return new Value(x.data, new long[] {x.shape[0], x.data.length / x.shape[0]});
        }

        @Override
        public QuantizableNode node() {
            return null;
        }
    }

    private record Add(String id, String a, String b, String out) implements Op {
        @Override
        public long[] outShape(Map<String, long[]> shapes) {
            return shapes.get(a);
        }

        @Override
        public Value run(Map<String, Value> values, QuantizationPlan plan) {
            Value x = values.get(a);
            Value z = values.get(b);
            float[] y = new float[x.data.length];
            for (int i = 0; i < y.length; i++) {
                y[i] = x.data[i] + z.data[i];
            }
            return new Value(y, x.shape);
        }

        @Override
        public QuantizableNode node() {
            return new QuantizableNode(id, "Add", List.of(a, b), List.of(), null, null, -1, null, out, -1, NodeKind.ADD);
        }
    }

    private record Softmax(String id, String in, String out) implements Op {
        @Override
        public long[] outShape(Map<String, long[]> shapes) {
            return shapes.get(in);
        }

        @Override
        public Value run(Map<String, Value> values, QuantizationPlan plan) {
            Value x = values.get(in);
            int last = (int) x.shape[x.shape.length - 1];
            float[] y = new float[x.data.length];
            for (int r = 0; r < y.length; r += last) {
                double m = Double.NEGATIVE_INFINITY;
                for (int i = 0; i < last; i++) {
                    m = Math.max(m, x.data[r + i]);
                }
                double s = 0;
                for (int i = 0; i < last; i++) {
                    s += Math.exp(x.data[r + i] - m);
                }
                for (int i = 0; i < last; i++) {
                    y[r + i] = (float) (Math.exp(x.data[r + i] - m) / s);
                }
            }
            return new Value(y, x.shape);
        }

        @Override
        public QuantizableNode node() {
            return new QuantizableNode(id, "Softmax", List.of(in), List.of(), null, null, -1, null, out, -1, NodeKind.SOFTMAX);
        }
    }

    private static float[] quantizedWeight(QuantizationPlan plan, String id, float[] w, long[] shape) {
        WeightQuantizer q = plan.weights().get(id);
        if (q == null) {
            return w;
        }
        int axis = q.axis();
        long inner = 1;
        for (int i = axis + 1; axis >= 0 && i < shape.length; i++) {
            inner *= shape[i];
        }
        int channels = axis < 0 ? 1 : (int) shape[axis];
        float[] out = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            int c = axis < 0 ? 0 : (int) ((i / inner) % channels);
            out[i] = q.fakeQuantize(w[i], c);
        }
        return out;
    }

    private static float[] shiftedBias(QuantizationPlan plan, String id, float[] b) {
        float[] shift = plan.biasShifts().get(id);
        if (b == null || shift == null) {
            return b;
        }
        float[] out = b.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] += shift[i];
        }
        return out;
    }

    private final class Compiled implements CompiledModel {
        private final QuantizationPlan plan;
        private final List<String> extras;

        Compiled(QuantizationPlan plan, List<String> extras) {
            this.plan = plan;
            this.extras = extras;
        }

        @Override
        public List<String> inputNames() {
            return inputs.stream().map(TensorInfo::name).toList();
        }

        @Override
        public List<String> outputNames() {
            List<String> names = new ArrayList<>(outputs.stream().map(TensorInfo::name).toList());
            names.addAll(extras);
            return names;
        }

        @Override
        public Map<String, Tensor> infer(Map<String, Tensor> feed) {
            Map<String, Value> raw = new HashMap<>();
            Map<String, Value> seen = new HashMap<>();
            long batch = -1;
            for (TensorInfo info : inputs) {
                Tensor t = feed.get(info.name());
                long[] want = info.shape();
                if (t == null || t.dataType() != DataType.FLOAT32 || t.rank() != want.length) {
                    throw new Pot4jException(ErrorCode.DATASET_SHAPE_MISMATCH, "input '" + info.name() + "' needs FLOAT32"
                            + Arrays.toString(want) + ", got " + t);
                }
                for (int d = 1; d < want.length; d++) {
                    if (want[d] != t.dim(d)) {
                        throw new Pot4jException(ErrorCode.DATASET_SHAPE_MISMATCH, "input '" + info.name() + "' needs "
                                + Arrays.toString(want) + ", got " + Arrays.toString(t.shape()));
                    }
                }
                batch = t.dim(0);
                Value v = new Value(t.floats(), t.shape());
                raw.put(info.name(), v);
                seen.put(info.name(), quantize(info.name(), v));
            }
            for (Op op : ops) {
                Value v = op.run(seen, plan);
                raw.put(op.out(), v);
                seen.put(op.out(), quantize(op.out(), v));
            }
            inferences.incrementAndGet();
            rows.addAndGet((int) batch);
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (TensorInfo o : outputs) {
                Value v = seen.get(o.name());
                out.put(o.name(), Tensor.ofFloats(v.shape, v.data));
            }
            for (String e : extras) {
                Value v = raw.get(e);
                if (v == null) {
                    throw new Pot4jException(ErrorCode.RUNTIME_FAILURE, "no tensor '" + e + "' in the graph");
                }
                out.put(e, Tensor.ofFloats(v.shape, v.data));
            }
            return out;
        }

        private Value quantize(String tensor, Value v) {
            ActivationQuantizer q = plan.activations().get(tensor);
            if (q == null) {
                return v;
            }
            float[] y = new float[v.data.length];
            for (int i = 0; i < y.length; i++) {
                y[i] = q.fakeQuantize(v.data[i]);
            }
            return new Value(y, v.shape);
        }

        @Override
        public void close() {
        }
    }

    /** Builds a graph op by op, in topological order. */
    public static final class Builder {
        private final TensorInfo input;
        private final List<Op> ops = new ArrayList<>();
        private final List<String> outputNames = new ArrayList<>();

        private Builder(TensorInfo input) {
            this.input = input;
        }

        /** A fully-connected layer {@code out = in · wᵀ + b}, {@code w} as [out][in] (ONNX Gemm, transB=1). */
        public Builder linear(String id, String in, String out, float[][] w, float[] b) {
            ops.add(new Linear(id, in, out, w, b));
            return this;
        }

        /** A valid (no padding) stride-1 NCHW convolution; {@code w} is [outC][inC][k][k] flattened. */
        public Builder conv(String id, String in, String out, int inC, int outC, int k, float[] w, float[] b) {
            ops.add(new Conv(id, in, out, inC, outC, k, w, b));
            return this;
        }

        /** Elementwise max(0, x). */
        public Builder relu(String in, String out) {
            ops.add(new Relu(in, out));
            return this;
        }

        /** [N, ...] to [N, features]. */
        public Builder flatten(String in, String out) {
            ops.add(new Flatten(in, out));
            return this;
        }

        /** A weightless residual add (a quantizable node). */
        public Builder add(String id, String a, String b, String out) {
            ops.add(new Add(id, a, b, out));
            return this;
        }

        /** Softmax over the last axis (a weightless quantizable node). */
        public Builder softmax(String id, String in, String out) {
            ops.add(new Softmax(id, in, out));
            return this;
        }

        /** Marks a model output. */
        public Builder output(String name) {
            outputNames.add(name);
            return this;
        }

        /** The model. */
        public JavaMlpModel build() {
            return new JavaMlpModel(List.of(input), outputNames, ops);
        }
    }
}
