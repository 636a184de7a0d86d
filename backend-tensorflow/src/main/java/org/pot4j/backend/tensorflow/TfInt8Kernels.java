package org.pot4j.backend.tensorflow;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.TensorFlow;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.types.TFloat32;

/**
 * Which oneDNN int8 kernels the loaded TensorFlow runtime really runs, found by running them: for
 * each of {@code _FusedQuantizedConv2D}, {@code _FusedQuantizedDepthwiseConv2D} and
 * {@code _QuantizedMatMul} a tiny graph {@code QuantizeV2 -> kernel -> Dequantize} is run next to
 * the float ops it replaces, and the kernel counts as working when it runs and stays within
 * {@link #TOLERANCE_STEPS} output quantization steps of the float result. A registered op name is
 * not enough: a kernel can be missing for a type combination, or the oneDNN build can be absent.
 *
 * <p>Probed once per JVM (a few milliseconds).
 */
record TfInt8Kernels(boolean conv, boolean depthwiseConv, boolean matMul, boolean convSum, boolean movesOn8Bit, String evidence) {
    // convSum: _FusedQuantizedConv2D(BiasAdd, Sum, Relu, Requantize) with a quint8 summand
    /** Largest accepted difference to float, in steps of the output quantizer (input, weight and output rounding). */
    static final double TOLERANCE_STEPS = 3.0;

    private static volatile TfInt8Kernels probed;

    /** The kernels of this runtime (probed on first use). */
    static TfInt8Kernels probe() {
        TfInt8Kernels k = probed;
        if (k == null) {
            synchronized (TfInt8Kernels.class) {
                if (probed == null) {
                    probed = run();
                }
                k = probed;
            }
        }
        return k;
    }

    /** No int8 kernel: the lowering keeps every node fake-quantized. */
    static TfInt8Kernels none(String why) {
        return new TfInt8Kernels(false, false, false, false, false, why);
    }

    private static TfInt8Kernels run() {
        List<String> notes = new ArrayList<>();
        boolean conv = check("_FusedQuantizedConv2D", () -> convError(false), notes);
        boolean depthwise = check("_FusedQuantizedDepthwiseConv2D", () -> convError(true), notes);
        boolean matMul = check("_QuantizedMatMul", TfInt8Kernels::matMulError, notes);
        boolean sumQuint8 = check("_FusedQuantizedConv2D(BiasAdd,Sum,Relu,Requantize) with a quint8 summand", () -> convSumError(false), notes);
        boolean sumQint8 = check("... with a qint8 summand", () -> convSumError(true), notes);
        // in TensorFlow 2.18 a qint8 summand comes out wrong (off by ~128 output steps): only quint8 summands are fused
        boolean moves = check("QuantizedMaxPool + QuantizedReshape", TfInt8Kernels::poolReshapeError, notes);
        TfInt8Kernels k = new TfInt8Kernels(conv, depthwise, matMul, sumQuint8, moves, "TensorFlow " + TensorFlow.version() + ": " + String.join("; ", notes));
        System.getLogger(TfInt8Kernels.class.getName()).log(conv && depthwise && matMul ? System.Logger.Level.DEBUG
                : System.Logger.Level.WARNING, "int8 kernel probe: {0}", k.evidence());
        return k;
    }

    private interface Probe {
        /** Largest difference to float, in output steps. */
        double error();
    }

    private static boolean check(String op, Probe p, List<String> notes) {
        try {
            double e = p.error();
            boolean ok = e <= TOLERANCE_STEPS;
            notes.add(op + (ok ? " runs" : " runs but is off") + String.format(" (max error %.2f steps)", e));
            return ok;
        } catch (RuntimeException | LinkageError e) {
            notes.add(op + " fails: " + TfErrors.firstLine(e));
            return false;
        }
    }

    // ---------------------------------------------------------------- probes

    private static final int H = 6;
    private static final int C = 4;
    private static final int K = 8;

    /** Error of a 3x3 SAME convolution (+bias, Relu) on a 1x6x6x4 input with inputs in [0, 1]. */
    private static double convError(boolean depthwise) {
        int outC = depthwise ? C : K;
        long[] wShape = depthwise ? new long[] {3, 3, C, 1} : new long[] {3, 3, C, K};
        float[] w = pattern(3 * 3 * C * (depthwise ? 1 : K), 0.37f, 0.5f);
        float[] bias = pattern(outC, 0.11f, 0.2f);
        float[] x = unit(H * H * C);
        List<NodeDef> nodes = new ArrayList<>();
        nodes.add(placeholder("x"));
        nodes.add(TfTensors.floatConst("w", wShape, w));
        nodes.add(TfTensors.floatConst("b", new long[] {outC}, bias));
        NodeDef.Builder conv = NodeDef.newBuilder().setName("conv").setOp(depthwise ? "DepthwiseConv2dNative" : "Conv2D")
                .addInput("x").addInput("w").putAttr("T", TfQuantOps.type(DataType.DT_FLOAT))
                .putAttr("strides", ints(1, 1, 1, 1)).putAttr("padding", AttrValue.newBuilder()
                        .setS(com.google.protobuf.ByteString.copyFromUtf8("SAME")).build());
        nodes.add(conv.build());
        nodes.add(NodeDef.newBuilder().setName("biased").setOp("BiasAdd").addInput("conv").addInput("b")
                .putAttr("T", TfQuantOps.type(DataType.DT_FLOAT)).build());
        nodes.add(NodeDef.newBuilder().setName("ref").setOp("Relu").addInput("biased")
                .putAttr("T", TfQuantOps.type(DataType.DT_FLOAT)).build());
        float[] ref = run(nodes, x, new long[] {1, H, H, C}, "ref");
        float outMax = 0;
        for (float v : ref) {
            outMax = Math.max(outMax, v);
        }
        nodes.add(TfTensors.floatConst("x_min", new long[0], new float[] {0f}));
        nodes.add(TfTensors.floatConst("x_max", new long[0], new float[] {1f}));
        nodes.add(TfQuantOps.quantize("xq", "x", "x_min", "x_max", DataType.DT_QUINT8));
        nodes.addAll(filter("wq", wShape, w, depthwise ? 2 : 3));
        nodes.add(TfTensors.floatConst("out_min", new long[0], new float[] {0f}));
        nodes.add(TfTensors.floatConst("out_max", new long[0], new float[] {outMax}));
        nodes.add(TfQuantOps.fusedConv("qconv", depthwise, conv.build(), List.of("xq", "wq", "b", "xq:1", "xq:2", "wq/min",
                "wq/max", "out_min", "out_max"), DataType.DT_QUINT8, true, DataType.DT_QUINT8));
        nodes.add(TfQuantOps.dequantize("out", "qconv", "qconv:1", "qconv:2", DataType.DT_QUINT8));
        float[] got = run(nodes, x, new long[] {1, H, H, C}, "out");
        return maxError(ref, got) / (outMax / 255f);
    }

    /** Error of {@code Relu(conv(x) + b + s)} with a residual input s in [0, 1] (quint8) or [-1, 1] (qint8). */
    private static double convSumError(boolean signedSummand) {
        long[] wShape = {3, 3, C, K};
        float[] w = pattern(3 * 3 * C * K, 0.37f, 0.5f);
        float[] bias = pattern(K, 0.11f, 0.2f);
        float[] x = unit(H * H * C);
        float[] summand = pattern(H * H * K, 0.5f, 1f);
        if (!signedSummand) {
            for (int i = 0; i < summand.length; i++) {
                summand[i] = Math.abs(summand[i]);
            }
        }
        List<NodeDef> nodes = new ArrayList<>();
        nodes.add(placeholder("x"));
        // a constant summand crashes the kernel (TensorFlow folds it into a Const it cannot forward):
        // residual inputs are always activations, so the probe feeds it like one
        nodes.add(placeholder("s"));
        nodes.add(TfTensors.floatConst("w", wShape, w));
        nodes.add(TfTensors.floatConst("b", new long[] {K}, bias));
        NodeDef conv = NodeDef.newBuilder().setName("conv").setOp("Conv2D").addInput("x").addInput("w")
                .putAttr("T", TfQuantOps.type(DataType.DT_FLOAT)).putAttr("strides", ints(1, 1, 1, 1))
                .putAttr("padding", AttrValue.newBuilder().setS(com.google.protobuf.ByteString.copyFromUtf8("SAME")).build()).build();
        nodes.add(conv);
        nodes.add(NodeDef.newBuilder().setName("biased").setOp("BiasAdd").addInput("conv").addInput("b")
                .putAttr("T", TfQuantOps.type(DataType.DT_FLOAT)).build());
        nodes.add(NodeDef.newBuilder().setName("sum").setOp("AddV2").addInput("biased").addInput("s")
                .putAttr("T", TfQuantOps.type(DataType.DT_FLOAT)).build());
        nodes.add(NodeDef.newBuilder().setName("ref").setOp("Relu").addInput("sum")
                .putAttr("T", TfQuantOps.type(DataType.DT_FLOAT)).build());
        float[] ref = run(nodes, x, new long[] {1, H, H, C}, summand, new long[] {1, H, H, K}, "ref");
        float outMax = 0;
        for (float v : ref) {
            outMax = Math.max(outMax, v);
        }
        DataType sType = signedSummand ? DataType.DT_QINT8 : DataType.DT_QUINT8;
        nodes.add(TfTensors.floatConst("x_min", new long[0], new float[] {0f}));
        nodes.add(TfTensors.floatConst("x_max", new long[0], new float[] {1f}));
        nodes.add(TfTensors.floatConst("s_min", new long[0], new float[] {signedSummand ? -1f : 0f}));
        nodes.add(TfTensors.floatConst("s_max", new long[0], new float[] {1f}));
        nodes.add(TfQuantOps.quantize("xq", "x", "x_min", "x_max", DataType.DT_QUINT8));
        nodes.add(TfQuantOps.quantize("sq", "s", "s_min", "s_max", sType));
        nodes.addAll(filter("wq", wShape, w, 3));
        nodes.add(TfTensors.floatConst("out_min", new long[0], new float[] {0f}));
        nodes.add(TfTensors.floatConst("out_max", new long[0], new float[] {outMax}));
        nodes.add(TfQuantOps.fusedConvSumRelu("qconv", conv, List.of("xq", "wq", "b", "sq", "xq:1", "xq:2", "wq/min",
                "wq/max", "sq:1", "sq:2", "out_min", "out_max"), DataType.DT_QUINT8, sType));
        nodes.add(TfQuantOps.dequantize("out", "qconv", "qconv:1", "qconv:2", DataType.DT_QUINT8));
        float[] got = run(nodes, x, new long[] {1, H, H, C}, summand, new long[] {1, H, H, K}, "out");
        // the summand's own rounding adds up to half a summand step (1/255 or 1/127) on top of the output's
        return Math.max(0, maxError(ref, got) - (signedSummand ? 0.5f / 127f : 0.5f / 255f)) / (outMax / 255f);
    }

    /** Error of a 2x2 max pool and a flatten run on quint8 data, in input steps (exact: 0). */
    private static double poolReshapeError() {
        float[] x = unit(H * H * C);
        List<NodeDef> nodes = new ArrayList<>();
        nodes.add(placeholder("x"));
        NodeDef pool = NodeDef.newBuilder().setName("pool").setOp("MaxPool").addInput("x")
                .putAttr("T", TfQuantOps.type(DataType.DT_FLOAT)).putAttr("ksize", ints(1, 2, 2, 1))
                .putAttr("strides", ints(1, 2, 2, 1))
                .putAttr("padding", AttrValue.newBuilder().setS(com.google.protobuf.ByteString.copyFromUtf8("VALID")).build()).build();
        nodes.add(pool);
        nodes.add(NodeDef.newBuilder().setName("shape").setOp("Const").putAttr("dtype", TfQuantOps.type(DataType.DT_INT32))
                .putAttr("value", AttrValue.newBuilder().setTensor(org.tensorflow.proto.TensorProto.newBuilder()
                        .setDtype(DataType.DT_INT32).setTensorShape(TfTensors.shapeProto(new long[] {2}))
                        .addIntVal(-1).addIntVal(H / 2 * H / 2 * C)).build()).build());
        NodeDef flat = NodeDef.newBuilder().setName("ref").setOp("Reshape").addInput("pool").addInput("shape")
                .putAttr("T", TfQuantOps.type(DataType.DT_FLOAT)).putAttr("Tshape", TfQuantOps.type(DataType.DT_INT32)).build();
        nodes.add(flat);
        nodes.add(TfTensors.floatConst("x_min", new long[0], new float[] {0f}));
        nodes.add(TfTensors.floatConst("x_max", new long[0], new float[] {1f}));
        nodes.add(TfQuantOps.quantize("xq", "x", "x_min", "x_max", DataType.DT_QUINT8));
        nodes.add(TfQuantOps.dequantize("xdq", "xq", "xq:1", "xq:2", DataType.DT_QUINT8));
        nodes.add(pool.toBuilder().setName("fpool").setInput(0, "xdq").build());
        nodes.add(flat.toBuilder().setName("fref").setInput(0, "fpool").build());
        nodes.add(TfQuantOps.maxPool("qpool", pool, "xq", "xq:1", "xq:2", DataType.DT_QUINT8));
        nodes.add(TfQuantOps.reshape("qflat", flat, "qpool", "qpool:1", "qpool:2", DataType.DT_QUINT8));
        nodes.add(TfQuantOps.dequantize("out", "qflat", "qflat:1", "qflat:2", DataType.DT_QUINT8));
        float[] ref = run(nodes, x, new long[] {1, H, H, C}, "fref");
        float[] got = run(nodes, x, new long[] {1, H, H, C}, "out");
        return maxError(ref, got) / (1f / 255f);
    }

    /** Error of a [2,16] x [16,5] + bias product with inputs in [0, 1]. */
    private static double matMulError() {
        int in = 16;
        int out = 5;
        float[] w = pattern(in * out, 0.29f, 0.5f);
        float[] bias = pattern(out, 0.13f, 0.2f);
        float[] x = unit(2 * in);
        List<NodeDef> nodes = new ArrayList<>();
        nodes.add(placeholder("x"));
        nodes.add(TfTensors.floatConst("w", new long[] {in, out}, w));
        nodes.add(TfTensors.floatConst("b", new long[] {out}, bias));
        NodeDef mm = NodeDef.newBuilder().setName("mm").setOp("MatMul").addInput("x").addInput("w")
                .putAttr("T", TfQuantOps.type(DataType.DT_FLOAT)).build();
        nodes.add(mm);
        nodes.add(NodeDef.newBuilder().setName("ref").setOp("BiasAdd").addInput("mm").addInput("b")
                .putAttr("T", TfQuantOps.type(DataType.DT_FLOAT)).build());
        float[] ref = run(nodes, x, new long[] {2, in}, "ref");
        float range = 0;
        for (float v : ref) {
            range = Math.max(range, Math.abs(v));
        }
        nodes.add(TfTensors.floatConst("x_min", new long[0], new float[] {0f}));
        nodes.add(TfTensors.floatConst("x_max", new long[0], new float[] {1f}));
        nodes.add(TfQuantOps.quantize("xq", "x", "x_min", "x_max", DataType.DT_QUINT8));
        nodes.addAll(filter("wq", new long[] {in, out}, w, 1));
        nodes.add(TfTensors.floatConst("out_min", new long[0], new float[] {-1f}));
        nodes.add(TfTensors.floatConst("out_max", new long[0], new float[] {1f}));
        nodes.add(TfQuantOps.matMulDequantize("out", mm, List.of("xq", "wq", "b", "xq:1", "xq:2", "wq/min", "wq/max",
                "out_min", "out_max"), DataType.DT_QUINT8));
        float[] got = run(nodes, x, new long[] {2, in}, "out");
        return maxError(ref, got) / (range / 127f);
    }

    /** A qint8 filter constant with symmetric per-channel ranges along the last axis ({@code <name>/min|max}). */
    static List<NodeDef> filter(String name, long[] shape, float[] w, int axis) {
        int channels = (int) shape[axis];
        float[] max = new float[channels];
        for (int i = 0; i < w.length; i++) {
            max[i % channels] = Math.max(max[i % channels], Math.abs(w[i]));
        }
        byte[] q = new byte[w.length];
        for (int i = 0; i < w.length; i++) {
            q[i] = (byte) Math.round(w[i] / (max[i % channels] / 127f));
        }
        float[] min = new float[channels];
        for (int c = 0; c < channels; c++) {
            min[c] = -max[c];
        }
        return List.of(TfQuantOps.qint8Const(name, shape, q),
                TfTensors.floatConst(name + "/min", new long[] {channels}, min),
                TfTensors.floatConst(name + "/max", new long[] {channels}, max));
    }

    private static float[] run(List<NodeDef> nodes, float[] x, long[] shape, String fetch) {
        return run(nodes, x, shape, null, null, fetch);
    }

    /** Runs {@code fetch} feeding {@code x} and, when given, {@code s}. */
    private static float[] run(List<NodeDef> nodes, float[] x, long[] shape, float[] s, long[] sShape, String fetch) {
        GraphDef.Builder g = GraphDef.newBuilder();
        nodes.forEach(g::addNode);
        try (Graph graph = new Graph()) {
            graph.importGraphDef(g.build());
            try (Session session = new Session(graph);
                 TFloat32 in = TFloat32.tensorOf(Shape.of(shape), DataBuffers.of(x, true, false));
                 TFloat32 sIn = s == null ? null : TFloat32.tensorOf(Shape.of(sShape), DataBuffers.of(s, true, false))) {
                Session.Runner runner = session.runner().feed("x", in);
                if (sIn != null) {
                    runner.feed("s", sIn);
                }
                try (Result r = runner.fetch(fetch).run()) {
                    return TfTensors.fromTf(r.get(0)).floats();
                }
            }
        }
    }

    private static NodeDef placeholder(String name) {
        return NodeDef.newBuilder().setName(name).setOp("Placeholder")
                .putAttr("dtype", TfQuantOps.type(DataType.DT_FLOAT)).build();
    }

    private static AttrValue ints(long... v) {
        AttrValue.ListValue.Builder l = AttrValue.ListValue.newBuilder();
        for (long i : v) {
            l.addI(i);
        }
        return AttrValue.newBuilder().setList(l).build();
    }

    /** Deterministic values in [-amplitude, amplitude]. */
    private static float[] pattern(int n, float phase, float amplitude) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = amplitude * (float) Math.sin(1.7 * i + phase);
        }
        return out;
    }

    /** Deterministic values in [0, 1]. */
    private static float[] unit(int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = 0.5f + 0.5f * (float) Math.sin(0.9 * i);
        }
        return out;
    }

    private static double maxError(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalStateException("kernel returned " + b.length + " values, float " + a.length);
        }
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }
}
