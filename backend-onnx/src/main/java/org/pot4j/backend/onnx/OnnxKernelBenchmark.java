package org.pot4j.backend.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.pot4j.backend.onnx.OnnxKernelTable.Kind;
import org.pot4j.backend.onnx.proto.OnnxProtos.AttributeProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.GraphProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.ModelProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.NodeProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.OperatorSetIdProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.TensorProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.TensorShapeProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.TypeProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.ValueInfoProto;

/**
 * Times ONNX Runtime's integer kernels on this CPU for each activation storage, to fill an
 * {@link OnnxKernelTable}. One micro-model per {@link Kind} (a 3x3 conv, 64 channels at 28 px; a
 * depthwise 3x3 conv, 144 channels at 28 px; a 128x384 by 384x384 MatMul; an Add of two 64x56x56
 * tensors), written in the same QDQ layout as {@link OnnxQdqWriter} (one Q and one DQ per tensor,
 * int8 per-channel weights, int32 bias) with every activation in one storage, plus the FP32 model.
 * All variants of a kind run in the same rounds, their order reversed every round, one intra-op
 * thread (the relative cost of a storage is what matters, and one thread is the least disturbed by
 * other processes); the table keeps each variant's fastest round: other processes only ever add
 * time, and on a shared 2-core machine medians of identical kernels differed by 3x between runs
 * while minima stayed within ~10%. About two to three seconds in all.
 */
final class OnnxKernelBenchmark {
    private static final int OPSET = 13;
    private static final int ROUNDS = 15;
    private static final long ROUND_NANOS = 4_000_000L;

    private OnnxKernelBenchmark() {
    }

    /** Measures every kind and storage on this machine. */
    static OnnxKernelTable measure(OrtEnvironment env, String cpu, String onnxRuntime) throws OrtException {
        EnumMap<Kind, Map<OnnxActivationEncoding, Double>> micros = new EnumMap<>(Kind.class);
        EnumMap<Kind, Double> fp32 = new EnumMap<>(Kind.class);
        for (Kind kind : Kind.values()) {
            Map<String, Double> t = time(env, kind);
            EnumMap<OnnxActivationEncoding, Double> row = new EnumMap<>(OnnxActivationEncoding.class);
            for (OnnxActivationEncoding e : OnnxActivationEncoding.values()) {
                row.put(e, t.get(e.key()));
            }
            micros.put(kind, row);
            fp32.put(kind, t.get("fp32"));
        }
        return new OnnxKernelTable(cpu, onnxRuntime, micros, fp32, int8Native(env));
    }

    /**
     * Whether ONNX Runtime runs int8 activations natively here, read from the graph it optimizes for
     * the int8 conv micro-model: on x86 it rewrites each int8 Q/DQ pair to the equivalent uint8 pair
     * before fusing (so an int8 storage only ever adds the risk of a pattern it cannot rewrite), on
     * ARM its QLinearConv takes int8 inputs.
     */
    static boolean int8Native(OrtEnvironment env) throws OrtException {
        java.nio.file.Path dir = null;
        try {
            dir = java.nio.file.Files.createTempDirectory("pot4j-kernels");
            java.nio.file.Path optimized = dir.resolve("optimized.onnx");
            try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
                so.setIntraOpNumThreads(1);
                so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.EXTENDED_OPT);
                so.setOptimizedModelFilePath(optimized.toString());
                env.createSession(model(Kind.CONV, OnnxActivationEncoding.S8_ZP0).toByteArray(), so).close();
            }
            ModelProto m = ModelProto.parseFrom(java.nio.file.Files.readAllBytes(optimized));
            Map<String, Integer> types = new java.util.HashMap<>();
            m.getGraph().getInitializerList().forEach(t -> types.put(t.getName(), t.getDataType()));
            for (NodeProto n : m.getGraph().getNodeList()) {
                if (n.getOpType().equals("QLinearConv") && n.getInputCount() > 2) {
                    return types.getOrDefault(n.getInput(2), 0) == OnnxTensorProtos.INT8;
                }
            }
            return false;
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot read ONNX Runtime's optimized micro-model: " + e, e);
        } finally {
            if (dir != null) {
                try (var files = java.nio.file.Files.list(dir)) {
                    for (java.nio.file.Path f : files.toList()) {
                        java.nio.file.Files.deleteIfExists(f);
                    }
                    java.nio.file.Files.deleteIfExists(dir);
                } catch (java.io.IOException e) {
                    // a temp folder left behind is harmless
                }
            }
        }
    }

    /** Fastest-round microseconds per run of each variant of {@code kind} (keys: storage keys and {@code fp32}). */
    private static Map<String, Double> time(OrtEnvironment env, Kind kind) throws OrtException {
        Map<String, ModelProto> models = new LinkedHashMap<>();
        models.put("fp32", model(kind, null));
        for (OnnxActivationEncoding e : OnnxActivationEncoding.values()) {
            models.put(e.key(), model(kind, e));
        }
        List<String> names = new ArrayList<>(models.keySet());
        List<OrtSession> sessions = new ArrayList<>();
        Map<String, OnnxTensor> feeds = new LinkedHashMap<>();
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setIntraOpNumThreads(1);
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            for (ModelProto m : models.values()) {
                sessions.add(env.createSession(m.toByteArray(), so));
            }
            Random random = new Random(3);
            for (Map.Entry<String, long[]> in : inputs(kind).entrySet()) {
                float[] v = new float[Math.toIntExact(Arrays.stream(in.getValue()).reduce(1, (a, b) -> a * b))];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) random.nextGaussian();
                }
                feeds.put(in.getKey(), OnnxTensor.createTensor(env, FloatBuffer.wrap(v), in.getValue()));
            }
            // warm-up, then as many runs per round as fill ~2 ms for the slowest variant
            long slowest = 1;
            for (OrtSession s : sessions) {
                run(s, feeds);
                long start = System.nanoTime();
                run(s, feeds);
                slowest = Math.max(slowest, System.nanoTime() - start);
            }
            int reps = (int) Math.max(1, Math.min(200, ROUND_NANOS / slowest));
            double[][] perRun = new double[sessions.size()][ROUNDS];
            for (int r = 0; r < ROUNDS; r++) {
                for (int k = 0; k < sessions.size(); k++) {
                    int m = r % 2 == 0 ? k : sessions.size() - 1 - k;
                    long start = System.nanoTime();
                    for (int i = 0; i < reps; i++) {
                        run(sessions.get(m), feeds);
                    }
                    perRun[m][r] = (System.nanoTime() - start) / 1e3 / reps;
                }
            }
            Map<String, Double> out = new LinkedHashMap<>();
            for (int m = 0; m < names.size(); m++) {
                double[] sorted = perRun[m].clone();
                Arrays.sort(sorted);
                out.put(names.get(m), sorted[0]);
            }
            return out;
        } finally {
            for (OnnxTensor t : feeds.values()) {
                t.close();
            }
            for (OrtSession s : sessions) {
                s.close();
            }
        }
    }

    private static void run(OrtSession s, Map<String, OnnxTensor> feeds) throws OrtException {
        try (OrtSession.Result r = s.run(feeds)) {
            r.get(0);
        }
    }

    private static Map<String, long[]> inputs(Kind kind) {
        return switch (kind) {
            case CONV -> Map.of("x", new long[] {1, 64, 28, 28});
            case DEPTHWISE_CONV -> Map.of("x", new long[] {1, 144, 28, 28});
            case MATMUL -> Map.of("x", new long[] {1, 128, 384});
            case ADD -> Map.of("x", new long[] {1, 64, 56, 56}, "x2", new long[] {1, 64, 56, 56});
        };
    }

    /** The micro-model of {@code kind} with every activation stored as {@code enc}; FP32 when null. */
    static ModelProto model(Kind kind, OnnxActivationEncoding enc) {
        Graph g = new Graph(enc);
        String x = g.activation("x");
        switch (kind) {
            case CONV -> g.conv(x, 64, 64, 1);
            case DEPTHWISE_CONV -> g.conv(x, 144, 1, 144);
            case MATMUL -> g.matMul(x, 384, 384);
            case ADD -> g.add(x, g.activation("x2"));
        }
        return g.model(inputs(kind));
    }

    /** A micro-model under construction. */
    private static final class Graph {
        private final OnnxActivationEncoding enc;
        private final List<NodeProto> nodes = new ArrayList<>();
        private final List<TensorProto> inits = new ArrayList<>();
        private final Random random = new Random(7);
        private int count;

        Graph(OnnxActivationEncoding enc) {
            this.enc = enc;
        }

        /** {@code t} through its Q/DQ pair (inputs range about +-4), or {@code t} in FP32. */
        String activation(String t) {
            if (enc == null) {
                return t;
            }
            String s = init(OnnxTensorProtos.ofFloats(t + "_scale", new long[0], new float[] {8f / 255}));
            int zp = switch (enc) {
                case U8_ZP0, S8_ZP0 -> 0;
                case U8_ZP -> 121;
                case S8_ZP -> -7;
            };
            String z = init(OnnxTensorProtos.ofBytes(t + "_zero_point", enc.onnxType(), new long[0], new byte[] {(byte) zp}));
            nodes.add(node("QuantizeLinear", List.of(t, s, z), t + "_q"));
            nodes.add(node("DequantizeLinear", List.of(t + "_q", s, z), t + "_dq"));
            return t + "_dq";
        }

        void conv(String x, int channels, int inPerGroup, int group) {
            float[] w = gaussian(channels * inPerGroup * 9, Math.sqrt(2.0 / (inPerGroup * 9)));
            String wIn = weight(w, new long[] {channels, inPerGroup, 3, 3}, channels, true);
            String bIn = bias(channels);
            nodes.add(node("Conv", List.of(x, wIn, bIn), "y").toBuilder()
                    .addAttribute(ints("pads", 1, 1, 1, 1)).addAttribute(ints("kernel_shape", 3, 3))
                    .addAttribute(AttributeProto.newBuilder().setName("group").setType(AttributeProto.AttributeType.INT)
                            .setI(group)).build());
            output("y");
        }

        void matMul(String x, int k, int n) {
            float[] w = gaussian(k * n, Math.sqrt(1.0 / k));
            nodes.add(node("MatMul", List.of(x, weight(w, new long[] {k, n}, 1, false)), "y"));
            output("y");
        }

        void add(String a, String b) {
            nodes.add(node("Add", List.of(a, b), "y"));
            output("y");
        }

        private void output(String y) {
            activation(y);
        }

        /** Int8 weights (per output channel for convs, per tensor otherwise) behind a DQ; FP32 as is. */
        private String weight(float[] w, long[] shape, int channels, boolean conv) {
            if (enc == null) {
                return init(OnnxTensorProtos.ofFloats(name("w"), shape, w));
            }
            int per = w.length / channels;
            float[] scales = new float[channels];
            byte[] q = new byte[w.length];
            for (int c = 0; c < channels; c++) {
                float max = 1e-6f;
                for (int i = 0; i < per; i++) {
                    max = Math.max(max, Math.abs(w[c * per + i]));
                }
                scales[c] = max / 127;
                for (int i = 0; i < per; i++) {
                    q[c * per + i] = (byte) Math.round(w[c * per + i] / scales[c]);
                }
            }
            long[] scaleShape = conv ? new long[] {channels} : new long[0];
            List<String> ins = new ArrayList<>(List.of(init(OnnxTensorProtos.ofBytes(name("wq"), OnnxTensorProtos.INT8, shape, q)),
                    init(OnnxTensorProtos.ofFloats(name("ws"), scaleShape, scales))));
            if (!conv) {
                ins.add(init(OnnxTensorProtos.ofBytes(name("wz"), OnnxTensorProtos.INT8, scaleShape, new byte[] {0})));
            }
            NodeProto dq = node("DequantizeLinear", ins, name("w_dq"));
            if (conv) {
                dq = dq.toBuilder().addAttribute(AttributeProto.newBuilder().setName("axis")
                        .setType(AttributeProto.AttributeType.INT).setI(0)).build();
            }
            nodes.add(dq);
            return dq.getOutput(0);
        }

        /** A small bias: int32 with scale input scale x weight scale behind a DQ; FP32 as is. */
        private String bias(int channels) {
            float[] b = gaussian(channels, 0.1);
            if (enc == null) {
                return init(OnnxTensorProtos.ofFloats(name("b"), new long[] {channels}, b));
            }
            int[] q = new int[channels];
            float[] scales = new float[channels];
            Arrays.fill(scales, 8f / 255 * 0.01f);
            for (int c = 0; c < channels; c++) {
                q[c] = Math.round(b[c] / scales[c]);
            }
            NodeProto dq = node("DequantizeLinear", List.of(init(OnnxTensorProtos.ofInts(name("bq"), new long[] {channels}, q)),
                    init(OnnxTensorProtos.ofFloats(name("bs"), new long[] {channels}, scales))), name("b_dq")).toBuilder()
                    .addAttribute(AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(0))
                    .build();
            nodes.add(dq);
            return dq.getOutput(0);
        }

        private float[] gaussian(int n, double std) {
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                v[i] = (float) (random.nextGaussian() * std);
            }
            return v;
        }

        private String init(TensorProto t) {
            inits.add(t);
            return t.getName();
        }

        private String name(String base) {
            return base + "_" + count++;
        }

        ModelProto model(Map<String, long[]> inputs) {
            String out = enc == null ? "y" : "y_dq";
            GraphProto.Builder g = GraphProto.newBuilder().setName("pot4j-kernel-benchmark").addAllNode(nodes)
                    .addAllInitializer(inits).addOutput(info(out, null));
            inputs.forEach((n, shape) -> g.addInput(info(n, shape)));
            return ModelProto.newBuilder().setIrVersion(8).setProducerName("pot4j")
                    .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET)).setGraph(g).build();
        }

        private static ValueInfoProto info(String name, long[] shape) {
            TypeProto.Tensor.Builder t = TypeProto.Tensor.newBuilder().setElemType(OnnxTensorProtos.FLOAT);
            if (shape != null) {
                TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
                for (long d : shape) {
                    s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
                }
                t.setShape(s);
            }
            return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(t)).build();
        }

        private static NodeProto node(String op, List<String> ins, String out) {
            return NodeProto.newBuilder().setOpType(op).addAllInput(ins).addOutput(out).build();
        }

        private static AttributeProto ints(String name, long... v) {
            AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
            for (long x : v) {
                a.addInts(x);
            }
            return a.build();
        }
    }
}
