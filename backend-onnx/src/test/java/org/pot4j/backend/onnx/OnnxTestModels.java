package org.pot4j.backend.onnx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
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
 * Small real ONNX models built with the protobuf builders, with deterministic He-initialised
 * weights: the residual CNN of the conformance tests
 * ({@code input[N,1,12,12] -> Conv+Relu -> Conv -> Add(residual) -> Relu -> MaxPool -> Conv+Relu ->
 * GlobalAveragePool -> Flatten -> Gemm -> logits[N,10]}), a MatMul network, and a model with nothing
 * to quantize.
 */
final class OnnxTestModels {
    static final int SIDE = 12;

    private OnnxTestModels() {
    }

    /**
     * The residual CNN. {@code width} is the channel count of the first convolutions; the weight of
     * the first conv is reached through an {@code Identity} node, as torch's exporter writes shared
     * weights.
     */
    static ModelProto residualCnn(int opset, int width) {
        Builder b = new Builder(7);
        b.node("Identity", List.of("conv1.weight.src"), List.of("conv1.weight"));
        b.he("conv1.weight.src", width, 1, 3, 3);
        b.small("conv1.bias", width);
        b.node("Conv", List.of("input", "conv1.weight", "conv1.bias"), List.of("c1"), "conv1", ints("pads", 1, 1, 1, 1));
        b.node("Relu", List.of("c1"), List.of("r1"), "relu1");
        b.he("conv2.weight", width, width, 3, 3);
        b.small("conv2.bias", width);
        b.node("Conv", List.of("r1", "conv2.weight", "conv2.bias"), List.of("c2"), "conv2", ints("pads", 1, 1, 1, 1));
        b.node("Add", List.of("c2", "r1"), List.of("s"), "add");
        b.node("Relu", List.of("s"), List.of("r2"), "relu2");
        b.node("MaxPool", List.of("r2"), List.of("p"), "pool", ints("kernel_shape", 2, 2), ints("strides", 2, 2));
        b.he("conv3.weight", 2 * width, width, 3, 3);
        b.small("conv3.bias", 2 * width);
        b.node("Conv", List.of("p", "conv3.weight", "conv3.bias"), List.of("c3"), "conv3", ints("pads", 1, 1, 1, 1));
        b.node("Relu", List.of("c3"), List.of("r3"), "relu3");
        b.node("GlobalAveragePool", List.of("r3"), List.of("g"), "gap");
        b.node("Flatten", List.of("g"), List.of("f"), "flatten");
        b.he("fc.weight", 10, 2 * width);
        b.small("fc.bias", 10);
        b.node("Gemm", List.of("f", "fc.weight", "fc.bias"), List.of("logits"), "fc", intAttr("transB", 1));
        return b.model(opset, input("input", SIDE), output("logits"));
    }

    /** {@code x[N,6,16] -> MatMul(16x32) + bias -> Relu -> MatMul(x, x^T) attention-style -> MatMul(32x8) -> y}. */
    static ModelProto matMulNet() {
        Builder b = new Builder(11);
        b.he("w1", 16, 32);
        b.small("b1", 32);
        b.node("MatMul", List.of("x", "w1"), List.of("m1"), "fc1");
        b.node("Add", List.of("m1", "b1"), List.of("a1"), "fc1_bias");
        b.node("Relu", List.of("a1"), List.of("h"), "relu");
        b.node("Transpose", List.of("h"), List.of("ht"), "transpose", ints("perm", 0, 2, 1));
        b.node("MatMul", List.of("h", "ht"), List.of("scores"), "scores");
        b.node("Softmax", List.of("scores"), List.of("attn"), "softmax", intAttr("axis", -1));
        b.node("MatMul", List.of("attn", "h"), List.of("ctx"), "context");
        b.he("w2", 32, 8);
        b.node("MatMul", List.of("ctx", "w2"), List.of("y"), "fc2");
        ValueInfoProto in = ValueInfoProto.newBuilder().setName("x").setType(tensorType("N", 6, 16)).build();
        return b.model(13, in, output("y"));
    }

    /**
     * A tiny sentence encoder: {@code ids[N,6] int64 -> Gather(emb[50,16]) -> MatMul(16x32) + bias -> Relu
     * -> MatMul(32x8) -> y[N,6,8]}; the embedding table's rows have very different magnitudes (per-row scales matter).
     */
    static ModelProto embeddingNet() {
        Builder b = new Builder(17);
        b.he("emb", 50, 16);
        b.he("w1", 16, 32);
        b.small("b1", 32);
        b.he("w2", 32, 8);
        b.node("Gather", List.of("emb", "ids"), List.of("e"), "embed");
        b.node("MatMul", List.of("e", "w1"), List.of("m1"), "fc1");
        b.node("Add", List.of("m1", "b1"), List.of("a1"), "fc1_bias");
        b.node("Relu", List.of("a1"), List.of("h"), "relu");
        b.node("MatMul", List.of("h", "w2"), List.of("y"), "fc2");
        TypeProto ids = TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder()
                .setElemType(TensorProto.DataType.INT64_VALUE)
                .setShape(TensorShapeProto.newBuilder()
                        .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("N"))
                        .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(6)))).build();
        ValueInfoProto in = ValueInfoProto.newBuilder().setName("ids").setType(ids).build();
        ModelProto m = b.model(13, in, output("y"));
        // rows scaled 0.01x .. 10x: one scale for the whole table would flatten the small rows to zero
        GraphProto.Builder g = m.getGraph().toBuilder();
        for (int i = 0; i < g.getInitializerCount(); i++) {
            if (g.getInitializer(i).getName().equals("emb")) {
                float[] v = OnnxTensorProtos.floats(g.getInitializer(i));
                for (int r = 0; r < 50; r++) {
                    float f = (float) Math.pow(10, -2 + 3 * r / 49.0);
                    for (int c = 0; c < 16; c++) {
                        v[r * 16 + c] *= f;
                    }
                }
                g.setInitializer(i, OnnxTensorProtos.ofFloats("emb", new long[] {50, 16}, v));
            }
        }
        return m.toBuilder().setGraph(g).build();
    }

    /** {@code input -> Conv(no bias) -> BatchNormalization -> Relu -> GlobalAveragePool -> Flatten -> Gemm -> logits}. */
    static ModelProto convBatchNorm() {
        Builder b = new Builder(5);
        b.he("conv.weight", 6, 1, 3, 3);
        b.node("Conv", List.of("input", "conv.weight"), List.of("c"), "conv", ints("pads", 1, 1, 1, 1));
        b.positive("bn.scale", 6);
        b.small("bn.bias", 6);
        b.small("bn.mean", 6);
        b.positive("bn.var", 6);
        b.node("BatchNormalization", List.of("c", "bn.scale", "bn.bias", "bn.mean", "bn.var"), List.of("n"), "bn");
        b.node("Relu", List.of("n"), List.of("r"), "relu");
        b.node("GlobalAveragePool", List.of("r"), List.of("g"), "gap");
        b.node("Flatten", List.of("g"), List.of("f"), "flatten");
        b.he("fc.weight", 10, 6);
        b.small("fc.bias", 10);
        b.node("Gemm", List.of("f", "fc.weight", "fc.bias"), List.of("logits"), "fc", intAttr("transB", 1));
        return b.model(13, input("input", SIDE), output("logits"));
    }

    /** A model with no Conv/Gemm/MatMul: {@code input -> Relu -> Sigmoid -> out}. */
    static ModelProto nothingToQuantize() {
        Builder b = new Builder(3);
        b.node("Relu", List.of("input"), List.of("r"), "relu");
        b.node("Sigmoid", List.of("r"), List.of("out"), "sigmoid");
        return b.model(13, input("input", SIDE), output("out"));
    }

    /**
     * Modern-CNN blocks (opset 14): {@code Conv -> SiLU (Sigmoid x Mul)}, a squeeze-excitation block
     * ({@code GlobalAveragePool -> Conv -> Relu -> Conv -> Sigmoid -> Mul}), a HardSwish conv with a
     * HardSigmoid-gated excitation (MobileNetV3), a residual Add and a LeakyRelu, then
     * {@code AveragePool -> GlobalAveragePool -> Flatten -> Gemm}.
     */
    static ModelProto modernBlocks() {
        Builder b = new Builder(17);
        int w = 8;
        b.conv("stem", "input", 1, w, 3, 1);
        b.node("Sigmoid", List.of("stem.out"), List.of("stem.sig"), "stem_sigmoid");
        b.node("Mul", List.of("stem.out", "stem.sig"), List.of("x1"), "stem_silu");
        // squeeze-excitation with Sigmoid
        b.node("GlobalAveragePool", List.of("x1"), List.of("se.pool"), "se_pool");
        b.conv("se.reduce", "se.pool", w, w / 2, 1, 1);
        b.node("Relu", List.of("se.reduce.out"), List.of("se.relu"), "se_relu");
        b.conv("se.expand", "se.relu", w / 2, w, 1, 1);
        b.node("Sigmoid", List.of("se.expand.out"), List.of("se.gate"), "se_sigmoid");
        b.node("Mul", List.of("x1", "se.gate"), List.of("x2"), "se_scale");
        // HardSwish conv, HardSigmoid-gated excitation
        b.conv("hs", "x2", w, w, 3, 1);
        b.node("HardSwish", List.of("hs.out"), List.of("hs.act"), "hardswish");
        b.node("GlobalAveragePool", List.of("hs.act"), List.of("hse.pool"), "hse_pool");
        b.conv("hse.fc", "hse.pool", w, w, 1, 1);
        b.node("HardSigmoid", List.of("hse.fc.out"), List.of("hse.gate"), "hse_hardsigmoid",
                floatAttr("alpha", 1f / 6));
        b.node("Mul", List.of("hs.act", "hse.gate"), List.of("x3"), "hse_scale");
        // residual Add and LeakyRelu
        b.conv("proj", "x3", w, w, 1, 1);
        b.node("Add", List.of("proj.out", "x2"), List.of("x4"), "residual");
        b.node("LeakyRelu", List.of("x4"), List.of("x5"), "leaky", floatAttr("alpha", 0.1f));
        b.node("AveragePool", List.of("x5"), List.of("x6"), "avgpool", ints("kernel_shape", 2, 2), ints("strides", 2, 2));
        b.conv("head", "x6", w, 2 * w, 3, 1);
        b.node("Relu", List.of("head.out"), List.of("head.relu"), "head_relu");
        b.node("GlobalAveragePool", List.of("head.relu"), List.of("g"), "gap");
        b.node("Flatten", List.of("g"), List.of("f"), "flatten");
        b.he("fc.weight", 10, 2 * w);
        b.small("fc.bias", 10);
        b.node("Gemm", List.of("f", "fc.weight", "fc.bias"), List.of("logits"), "fc", intAttr("transB", 1));
        return b.model(14, input("input", SIDE), output("logits"));
    }

    /**
     * A small detection-style net (opset 14): two scales joined by {@code Resize -> Concat}, a
     * channel shuffle ({@code Reshape -> Transpose -> Reshape}, the first target computed from
     * {@code Shape}), {@code Split} into two branches, a
     * {@code Slice}, {@code MaxPool}, and a per-scale head whose outputs are flattened and concatenated.
     */
    static ModelProto detectionHead() {
        Builder b = new Builder(23);
        int w = 8;
        b.conv("c1", "input", 1, w, 3, 1);
        b.node("Relu", List.of("c1.out"), List.of("p3"), "c1_relu");
        b.conv("c2", "p3", w, w, 3, 2);
        b.node("Relu", List.of("c2.out"), List.of("p4"), "c2_relu");
        b.floats("up.scales", new long[] {4}, 1, 1, 2, 2);
        b.node("Resize", List.of("p4", "", "up.scales"), List.of("p4.up"), "upsample",
                stringAttr("mode", "nearest"));
        b.node("Concat", List.of("p4.up", "p3"), List.of("cat"), "concat", intAttr("axis", 1));
        // channel shuffle over 2 groups; the first Reshape target comes from Shape(cat), as in
        // dynamic-batch exports of ShuffleNet
        b.node("Shape", List.of("cat"), List.of("cat.shape"), "cat_shape");
        b.int64s("zero", 0);
        b.int64s("one", 1);
        b.node("Slice", List.of("cat.shape", "zero", "one"), List.of("cat.batch"), "cat_batch");
        b.int64s("shuffle.dims", 2, w, SIDE, SIDE);
        b.node("Concat", List.of("cat.batch", "shuffle.dims"), List.of("shuffle.shape1"), "shuffle_target",
                intAttr("axis", 0));
        b.node("Reshape", List.of("cat", "shuffle.shape1"), List.of("sh1"), "shuffle_reshape1");
        b.node("Transpose", List.of("sh1"), List.of("sh2"), "shuffle_transpose", ints("perm", 0, 2, 1, 3, 4));
        b.int64s("shuffle.shape2", 0, 2 * w, SIDE, SIDE);
        b.node("Reshape", List.of("sh2", "shuffle.shape2"), List.of("sh3"), "shuffle_reshape2");
        b.node("Split", List.of("sh3"), List.of("left", "right"), "split", intAttr("axis", 1));
        b.conv("branch", "right", w, w, 3, 1);
        b.node("Relu", List.of("branch.out"), List.of("branch.relu"), "branch_relu");
        b.node("Concat", List.of("left", "branch.relu"), List.of("merged"), "merge", intAttr("axis", 1));
        b.int64s("slice.starts", 0);
        b.int64s("slice.ends", w);
        b.int64s("slice.axes", 1);
        b.node("Slice", List.of("merged", "slice.starts", "slice.ends", "slice.axes"), List.of("sliced"), "slice");
        b.conv("head3", "sliced", w, 6, 1, 1);
        b.node("MaxPool", List.of("merged"), List.of("down"), "down", ints("kernel_shape", 2, 2), ints("strides", 2, 2));
        b.conv("head4", "down", 2 * w, 6, 1, 1);
        b.int64s("flat.shape", 0, 6, -1);
        b.node("Reshape", List.of("head3.out", "flat.shape"), List.of("o3"), "flat3");
        b.node("Reshape", List.of("head4.out", "flat.shape"), List.of("o4"), "flat4");
        b.node("Concat", List.of("o3", "o4"), List.of("detections"), "detect_concat", intAttr("axis", 2));
        return b.model(14, input("input", SIDE), output("detections"));
    }

    /** Writes {@code model} to {@code file}. */
    static Path write(ModelProto model, Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, model.toByteArray());
        return file;
    }

    private static ValueInfoProto input(String name, int side) {
        return ValueInfoProto.newBuilder().setName(name).setType(tensorType("N", 1, side, side)).build();
    }

    private static ValueInfoProto output(String name) {
        return ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(1))).build();
    }

    private static TypeProto tensorType(String batch, long... dims) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        s.addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(batch));
        for (long d : dims) {
            s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(1).setShape(s)).build();
    }

    static AttributeProto ints(String name, long... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }

    static AttributeProto intAttr(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    static AttributeProto floatAttr(String name, float value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value).build();
    }

    static AttributeProto stringAttr(String name, String value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
                .setS(com.google.protobuf.ByteString.copyFromUtf8(value)).build();
    }

    /** Accumulates nodes and initializers. */
    static final class Builder {
        private final Random random;
        private final List<NodeProto> nodes = new ArrayList<>();
        private final List<TensorProto> inits = new ArrayList<>();

        Builder(long seed) {
            random = new Random(seed);
        }

        void node(String op, List<String> ins, List<String> outs, String name, AttributeProto... attrs) {
            NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(ins).addAllOutput(outs);
            for (AttributeProto a : attrs) {
                n.addAttribute(a);
            }
            nodes.add(n.build());
        }

        /** An unnamed node (exporters leave names empty sometimes). */
        void node(String op, List<String> ins, List<String> outs) {
            nodes.add(NodeProto.newBuilder().setOpType(op).addAllInput(ins).addAllOutput(outs).build());
        }

        void he(String name, long... shape) {
            long fanIn = 1;
            for (int i = 1; i < shape.length; i++) {
                fanIn *= shape[i];
            }
            if (shape.length == 2 && !name.startsWith("fc")) {
                fanIn = shape[0];
            }
            double std = Math.sqrt(2.0 / fanIn);
            inits.add(OnnxTensorProtos.ofFloats(name, shape, values(shape, std)));
        }

        /** A {@code k x k} Conv with He weights and a small bias, output {@code <name>.out}. */
        void conv(String name, String in, int cin, int cout, int k, int stride) {
            he(name + ".weight", cout, cin, k, k);
            small(name + ".bias", cout);
            int pad = k / 2;
            node("Conv", List.of(in, name + ".weight", name + ".bias"), List.of(name + ".out"), name,
                    ints("pads", pad, pad, pad, pad), ints("strides", stride, stride));
        }

        void floats(String name, long[] shape, float... v) {
            inits.add(OnnxTensorProtos.ofFloats(name, shape, v));
        }

        void int64s(String name, long... v) {
            inits.add(TensorProto.newBuilder().setName(name).setDataType(7).addDims(v.length).addAllInt64Data(
                    java.util.Arrays.stream(v).boxed().toList()).build());
        }

        void positive(String name, long n) {
            float[] v = values(new long[] {n}, 0.3);
            for (int i = 0; i < v.length; i++) {
                v[i] = 0.5f + Math.abs(v[i]);
            }
            inits.add(OnnxTensorProtos.ofFloats(name, new long[] {n}, v));
        }

        void small(String name, long n) {
            inits.add(OnnxTensorProtos.ofFloats(name, new long[] {n}, values(new long[] {n}, 0.1)));
        }

        private float[] values(long[] shape, double std) {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            float[] v = new float[(int) n];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (random.nextGaussian() * std);
            }
            return v;
        }

        ModelProto model(int opset, ValueInfoProto in, ValueInfoProto out) {
            GraphProto g = GraphProto.newBuilder().setName("pot4j-test").addAllNode(nodes).addAllInitializer(inits)
                    .addInput(in).addOutput(out).build();
            return ModelProto.newBuilder().setIrVersion(opset >= 13 ? 8 : 6).setProducerName("pot4j-tests")
                    .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset)).setGraph(g).build();
        }
    }
}
