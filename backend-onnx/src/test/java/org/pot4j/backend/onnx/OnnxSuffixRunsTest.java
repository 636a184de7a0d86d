package org.pot4j.backend.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.pot4j.api.DataType;
import org.pot4j.api.Tensor;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.ModelBackend;
import org.pot4j.api.model.QuantizableNode;
import org.pot4j.api.model.SuffixRuns;
import org.pot4j.api.model.TensorInfo;
import org.pot4j.api.quant.QuantizationPlan;

/**
 * {@link SuffixRuns} on the bundled ResNet: for a node kept in FP32, the suffix fed with the tensors
 * the fully quantized plan computes gives the outputs of the whole variant model, and runs fewer
 * nodes the later the node is.
 */
class OnnxSuffixRunsTest {
    @Test
    void suffixFedFromTheBasePlanGivesTheWholeVariantsOutputs() throws java.io.IOException {
        Path fp32 = OnnxFixtures.example("mnist-resnet/resnet.onnx");
        assumeTrue(fp32 != null, "examples/mnist-resnet/resnet.onnx is not there yet");
        try (ModelBackend<OnnxLoadOptions> backend = new OnnxBackendProvider().create(null);
             Model model = backend.load(fp32)) {
            assertTrue(model instanceof SuffixRuns, "the ONNX backend offers suffix runs");
            SuffixRuns runs = (SuffixRuns) model;
            Map<String, Tensor> batch = OnnxResnetExampleTest.stack(OnnxFixtures.mnistTest(8), 0, 8);
            QuantizationPlan base = OnnxTestPlans.quantizeAll(model, batch);
            List<QuantizableNode> nodes = model.quantizableNodes();
            double previousShare = 1;
            int checked = 0;
            int eightBitFeeds = 0;
            for (QuantizableNode n : nodes) {
                if (!n.opType().equals("Conv") && !n.opType().equals("Gemm")) {
                    continue;
                }
                QuantizationPlan variant = base.toBuilder().removeWeight(n.id()).removeBiasShift(n.id()).fp32Node(n.id()).build();
                SuffixRuns.Suffix s = runs.suffix(base, variant);
                if (s == null) {
                    continue; // the first conv: the suffix would be (nearly) the whole model
                }
                assertTrue(s.share() > 0 && s.share() <= previousShare + 1e-9, n.id() + " share " + s.share());
                previousShare = s.share();
                for (TensorInfo t : s.inputs()) {
                    // a tensor the variant quantizes is cut at its 8-bit form (the QuantizeLinear's output), not at the
                    // float before it: the capture keeps its fused integer kernels, the suffix starts at the
                    // DequantizeLinear as the whole graph does (only fc's input, whose quantizer went with it, is float)
                    boolean eightBit = t.dataType() == DataType.UINT8 || t.dataType() == DataType.INT8;
                    eightBitFeeds += eightBit ? 1 : 0;
                }
                Map<String, Tensor> in = suffixInputs(model, base, s, batch);
                float[] viaSuffix;
                float[] whole;
                try (CompiledModel c = s.compile()) {
                    viaSuffix = c.infer(in).values().iterator().next().toFloatArray();
                }
                try (CompiledModel c = model.compile(variant, Set.of())) {
                    whole = c.infer(batch).get(model.outputs().get(0).name()).toFloatArray();
                }
                try (CompiledModel c = s.compile(2)) {
                    assertArrayEquals(viaSuffix, c.infer(in).values().iterator().next().toFloatArray(), "two concurrent runs' share of the cores");
                }
                assertEquals(whole.length, viaSuffix.length);
                for (int i = 0; i < whole.length; i++) {
                    assertEquals(whole[i], viaSuffix[i], 0f, n.id() + " output " + i + ": the suffix must compute what the whole variant does");
                }
                checked++;
            }
            assertTrue(checked >= nodes.size() / 2, "suffixes checked: " + checked + " of " + nodes.size());
            assertTrue(eightBitFeeds >= checked - 1, "8-bit tensors fed: " + eightBitFeeds + " for " + checked + " suffixes");
            assertTrue(previousShare < 0.5, "the last node's suffix runs a small part of the graph: " + previousShare);
            assertNull(runs.suffix(base, base), "identical plans have nothing to run");
        }
    }
    /** Suffixes may be cut from several threads at once (a ranking prepares its candidates in parallel): the same cuts. */
    @Test
    void suffixesCutInParallelAreTheSequentialOnes() throws Exception {
        Path fp32 = OnnxFixtures.example("mnist-resnet/resnet.onnx");
        assumeTrue(fp32 != null, "examples/mnist-resnet/resnet.onnx is not there yet");
        try (ModelBackend<OnnxLoadOptions> backend = new OnnxBackendProvider().create(null);
             Model model = backend.load(fp32)) {
            SuffixRuns runs = (SuffixRuns) model;
            QuantizationPlan base = OnnxTestPlans.quantizeAll(model, OnnxResnetExampleTest.stack(OnnxFixtures.mnistTest(4), 0, 4));
            List<QuantizationPlan> variants = model.quantizableNodes().stream().map(n -> base.toBuilder().removeWeight(n.id())
                    .removeBiasShift(n.id()).fp32Node(n.id()).build()).toList();
            List<String> sequential = variants.stream().map(v -> describe(runs.suffix(base, v))).toList();
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
            try {
                List<java.util.concurrent.Future<String>> parallel = new java.util.ArrayList<>();
                for (int round = 0; round < 3; round++) {
                    for (QuantizationPlan v : variants) {
                        parallel.add(pool.submit(() -> describe(runs.suffix(base, v))));
                    }
                }
                for (int i = 0; i < parallel.size(); i++) {
                    assertEquals(sequential.get(i % variants.size()), parallel.get(i).get());
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    private static String describe(SuffixRuns.Suffix s) {
        return s == null ? "none" : s.share() + " " + s.inputs().stream().map(t -> t.name() + ":" + t.dataType()).toList();
    }

    /**
     * A small encoder block as MiniLM has it, {@code ids[N,S] -> Gather -> Reshape(0,-1,16) -> LayerNorm -> h;
     * fc1(h) + b1 + h -> LayerNorm -> fc2 -> y}, both MatMuls dynamic int8 and h divided into range (an outlier
     * channel): with fc1 in FP32 the suffix starts at h. In the whole graph h's sequence axis has no name (the
     * Reshape's -1), so ORT keeps the residual Add and the LayerNorm apart; a suffix that named that axis made ORT
     * fuse them into a SkipLayerNormalization, whose float rounding differs and moves fc2's dynamic int8 range
     * (MiniLM's suffix check failed on it). The suffix must compute exactly what the whole variant computes.
     */
    @Test
    void encoderSuffixWithDynamicMatMulsAndOutlierChannelsGivesExactlyTheWholeVariantsOutputs() {
        try (ModelBackend<OnnxLoadOptions> backend = new OnnxBackendProvider().create(null);
             Model model = backend.load(OnnxFixtures.file("suffix-encoder.onnx", encoderBlock()))) {
            QuantizationPlan.Builder b = QuantizationPlan.builder();
            for (QuantizableNode n : model.quantizableNodes()) {
                if (n.opType().equals("MatMul")) {
                    b.weight(n.id(), OnnxTestPlans.perChannel(model.weight(n), n.weightChannelAxis()));
                    b.activation(n.activationInputs().get(0), org.pot4j.api.quant.ActivationQuantizer.dynamic(8));
                }
            }
            QuantizationPlan base = b.floatChannels("h", new int[] {3}, new float[] {8f}).build();
            QuantizationPlan variant = base.toBuilder().removeWeight("fc1").fp32Node("fc1").removeActivation("h").build();
            SuffixRuns.Suffix s = ((SuffixRuns) model).suffix(base, variant);
            assertTrue(s != null && s.inputs().stream().anyMatch(t -> t.name().equals("h")), "the suffix starts at h: "
                    + (s == null ? null : s.inputs()));
            java.util.Random r = new java.util.Random(5);
            int n = 8;
            int seq = 16;
            long[] ids = new long[n * seq];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = r.nextInt(50);
            }
            Map<String, Tensor> batch = Map.of("ids", Tensor.ofLongs(new long[] {n, seq}, ids));
            Map<String, Tensor> in = suffixInputs(model, base, s, batch);
            Map<String, Tensor> viaSuffix;
            Map<String, Tensor> whole;
            try (CompiledModel c = s.compile()) {
                viaSuffix = c.infer(in);
            }
            try (CompiledModel c = model.compile(variant, Set.of())) {
                whole = c.infer(batch);
            }
            for (String out : List.of("h1", "y")) {
                float[] w = whole.get(out).toFloatArray();
                float[] v = viaSuffix.get(out).toFloatArray();
                assertEquals(w.length, v.length);
                for (int i = 0; i < w.length; i++) {
                    assertEquals(w[i], v[i], 0f, out + "[" + i + "]: the suffix computes other values than the whole variant");
                }
            }
        }
    }

    /** The suffix's inputs: the model inputs it reads from {@code batch}, the rest captured from a run of {@code base}. */
    private static Map<String, Tensor> suffixInputs(Model model, QuantizationPlan base, SuffixRuns.Suffix s,
                                                    Map<String, Tensor> batch) {
        Set<String> fed = new LinkedHashSet<>();
        for (TensorInfo t : s.inputs()) {
            if (!batch.containsKey(t.name())) {
                fed.add(t.name());
            }
        }
        Map<String, Tensor> captured;
        try (CompiledModel c = model.compile(base, fed)) {
            captured = c.infer(batch);
        }
        Map<String, Tensor> in = new LinkedHashMap<>();
        for (TensorInfo t : s.inputs()) {
            in.put(t.name(), batch.containsKey(t.name()) ? batch.get(t.name()) : captured.get(t.name()));
        }
        return in;
    }

    private static final int HIDDEN = 384;

    private static org.pot4j.backend.onnx.proto.OnnxProtos.ModelProto encoderBlock() {
        OnnxTestModels.Builder b = new OnnxTestModels.Builder(23);
        b.he("emb", 50, HIDDEN);
        b.he("w1", HIDDEN, HIDDEN);
        b.small("b1", HIDDEN);
        b.he("w2", HIDDEN, 8);
        b.positive("g0", HIDDEN);
        b.small("be0", HIDDEN);
        b.positive("g1", HIDDEN);
        b.small("be1", HIDDEN);
        b.int64s("to_tokens", 0, -1, HIDDEN);
        b.node("Gather", List.of("emb", "ids"), List.of("e"), "embed");
        b.node("Reshape", List.of("e", "to_tokens"), List.of("e_tokens"), "tokens");
        b.node("LayerNormalization", List.of("e_tokens", "g0", "be0"), List.of("h"), "ln0",
                OnnxTestModels.intAttr("axis", -1), OnnxTestModels.floatAttr("epsilon", 1e-5f));
        b.node("MatMul", List.of("h", "w1"), List.of("m1"), "fc1");
        b.node("Add", List.of("m1", "b1"), List.of("a1"), "fc1_bias");
        b.node("Add", List.of("a1", "h"), List.of("res"), "residual");
        b.node("LayerNormalization", List.of("res", "g1", "be1"), List.of("h1"), "ln1",
                OnnxTestModels.intAttr("axis", -1), OnnxTestModels.floatAttr("epsilon", 1e-5f));
        b.node("MatMul", List.of("h1", "w2"), List.of("y"), "fc2");
        var ids = org.pot4j.backend.onnx.proto.OnnxProtos.TypeProto.newBuilder().setTensorType(
                org.pot4j.backend.onnx.proto.OnnxProtos.TypeProto.Tensor.newBuilder().setElemType(7).setShape(
                        org.pot4j.backend.onnx.proto.OnnxProtos.TensorShapeProto.newBuilder()
                                .addDim(org.pot4j.backend.onnx.proto.OnnxProtos.TensorShapeProto.Dimension.newBuilder().setDimParam("N"))
                                .addDim(org.pot4j.backend.onnx.proto.OnnxProtos.TensorShapeProto.Dimension.newBuilder().setDimParam("S"))))
                .build();
        var out = org.pot4j.backend.onnx.proto.OnnxProtos.ValueInfoProto.newBuilder().setName("y").setType(
                org.pot4j.backend.onnx.proto.OnnxProtos.TypeProto.newBuilder().setTensorType(
                        org.pot4j.backend.onnx.proto.OnnxProtos.TypeProto.Tensor.newBuilder().setElemType(1))).build();
        var m = b.model(17, org.pot4j.backend.onnx.proto.OnnxProtos.ValueInfoProto.newBuilder().setName("ids").setType(ids).build(), out);
        // channel 3 of the embeddings 40x the rest, as BERT's residual stream has its outlier dims
        var g = m.getGraph().toBuilder();
        // the block's float output too: there any difference of the fused residual shows, int8 rounding hides most
        g.addOutput(out.toBuilder().setName("h1"));
        for (int i = 0; i < g.getInitializerCount(); i++) {
            if (g.getInitializer(i).getName().equals("emb")) {
                float[] v = OnnxTensorProtos.floats(g.getInitializer(i));
                for (int k = 3; k < v.length; k += HIDDEN) {
                    v[k] *= 40;
                }
                g.setInitializer(i, OnnxTensorProtos.ofFloats("emb", new long[] {50, HIDDEN}, v));
            }
        }
        return m.toBuilder().setGraph(g).build();
    }

    /**
     * Fed tensors declare their dims as the whole graph's shape inference has them: numbers, ORT's own names, and
     * unnamed dims left unnamed. ORT takes equal dim_params for equal sizes (fusions and buffer plans go by
     * them): a name the whole graph lacks made MiniLM's suffix fuse SkipLayerNormalizations the whole model has
     * not, and one shared "d3" once put MiniLM's attention scores [b, 12, s, s] and values [b, 12, s, 32] into
     * one buffer.
     */
    @Test
    void fedTensorsDeclareTheWholeGraphsDimensions() {
        var info = OnnxSuffixCutter.valueInfo("t", new OnnxGraph.ValueType(1, new long[] {-1, 12, -1, -1, 32},
                new String[] {"batch", "", "seq", "", ""}));
        var dims = info.getType().getTensorType().getShape().getDimList();
        assertEquals(5, dims.size());
        assertEquals("batch", dims.get(0).getDimParam());
        assertEquals(12, dims.get(1).getDimValue());
        assertEquals("seq", dims.get(2).getDimParam());
        assertTrue(!dims.get(3).hasDimParam() && !dims.get(3).hasDimValue(), "an unnamed dim stays unnamed: " + dims.get(3));
        assertEquals(32, dims.get(4).getDimValue());
        var unknown = OnnxSuffixCutter.valueInfo("u", new OnnxGraph.ValueType(1, new long[] {-1, -1}));
        for (var d : unknown.getType().getTensorType().getShape().getDimList()) {
            assertTrue(!d.hasDimParam() && !d.hasDimValue(), "no names known: none invented: " + d);
        }
    }
}
