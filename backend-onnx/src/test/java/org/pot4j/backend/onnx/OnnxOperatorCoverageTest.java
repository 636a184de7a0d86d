package org.pot4j.backend.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pot4j.api.Tensor;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.ModelBackend;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.backend.onnx.proto.OnnxProtos.ModelProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.NodeProto;

/**
 * Operator coverage, checked on the graph ONNX Runtime really runs (dumped with
 * {@code optimized_model_path}): after ORT's optimizer, the INT8 model of each test net has no
 * {@code DequantizeLinear -> op -> QuantizeLinear} island around an op that ORT runs in integer form
 * ({@link OnnxOpClasses}: integer kernels, shared-scale ops, Conv/Gemm), and every island left around
 * a float-only op (HardSwish, HardSigmoid) or a node the plan keeps in FP32 is listed, with its reason,
 * in the model's {@code pot4j.quantization} metadata. The INT8 outputs also stay close to FP32.
 */
class OnnxOperatorCoverageTest {
    /** ONNX function ops that ORT expands into several nodes before optimizing. */
    private static final Set<String> FUNCTION_OPS = Set.of("HardSwish");

    @TempDir
    Path tmp;

    @Test
    void siluSqueezeExcitationHardSwishRunOnIntegerKernels() throws IOException {
        Run r = run("modern-blocks.onnx", OnnxTestModels.modernBlocks(), Set.of());
        assertEquals(List.of(), r.fusableIslands(), "islands ORT could have fused; optimized ops " + r.ops);
        assertEquals(7, r.count("QLinearConv"), "convs in " + r.ops);
        assertEquals(2, r.count("QLinearSigmoid"), "SiLU and SE sigmoids in " + r.ops);
        assertEquals(3, r.count("QLinearMul"), "SiLU, SE and HardSigmoid-gate Muls in " + r.ops);
        assertEquals(1, r.count("QLinearAdd"), "residual in " + r.ops);
        assertEquals(1, r.count("QLinearLeakyRelu"), "LeakyRelu in " + r.ops);
        assertEquals(1, r.count("QLinearAveragePool"), "AveragePool in " + r.ops);
        assertEquals(3, r.count("QLinearGlobalAveragePool"), "pools in " + r.ops);
        assertEquals(Set.of("hardswish", "hse_hardsigmoid"), r.listedFloatIslands.keySet(), "listed float islands");
        assertEquals(2, r.islands().size(), "float islands (HardSwish, HardSigmoid); ops " + r.ops);
        r.assertCloseToFp32(0.1);
    }

    @Test
    void resizeConcatShuffleSplitSliceStayInt8() throws IOException {
        Run r = run("detection-head.onnx", OnnxTestModels.detectionHead(), Set.of());
        assertEquals(List.of(), r.fusableIslands(), "islands ORT could have fused; optimized ops " + r.ops);
        assertEquals(5, r.count("QLinearConv"), "convs in " + r.ops);
        assertEquals(3, r.count("QLinearConcat"), "concats in " + r.ops);
        assertEquals(0, r.islands().size(), "float islands; ops " + r.ops);
        // one DequantizeLinear produces the graph output; Shape(cat) reads the 8-bit tensor, no DQ
        assertEquals(1, r.count("DequantizeLinear"), "DQ nodes left in " + r.ops);
        for (String op : List.of("Resize", "Split", "Slice", "Transpose", "MaxPool")) {
            assertTrue(r.count(op) >= 1, op + " runs on 8-bit data, so ORT keeps it: " + r.ops);
        }
        r.assertCloseToFp32(0.1);
    }

    @Test
    void nodesThePlanKeepsInFp32AreTheOnlyOtherIslands() throws IOException {
        Run r = run("modern-blocks-fp32-conv.onnx", OnnxTestModels.modernBlocks(), Set.of("hs"));
        assertEquals(List.of(), r.fusableIslands(), "islands ORT could have fused; optimized ops " + r.ops);
        assertEquals(6, r.count("QLinearConv"), "conv 'hs' stays float: " + r.ops);
        assertTrue(r.listedFloatIslands.getOrDefault("hs", "").contains("FP32"), "metadata " + r.listedFloatIslands);
    }

    /** The quantize-everything plan (minus {@code fp32}) of a fixture, compiled, and ORT's optimized graph. */
    private Run run(String name, ModelProto fixture, Set<String> fp32) throws IOException {
        Path file = OnnxFixtures.file(name, fixture);
        Path optimized = tmp.resolve("optimized-" + name);
        try (ModelBackend<OnnxLoadOptions> backend = new OnnxBackendProvider().create(null);
             Model m = backend.load(file, OnnxLoadOptions.optimizedModelPath(optimized.toString()))) {
            Map<String, Tensor> batch = batch(m);
            QuantizationPlan all = OnnxTestPlans.quantizeAll(m, batch);
            QuantizationPlan.Builder pb = QuantizationPlan.builder();
            all.weights().forEach((k, v) -> {
                if (!fp32.contains(k)) {
                    pb.weight(k, v);
                }
            });
            all.activations().forEach(pb::activation);
            fp32.forEach(pb::fp32Node);
            pb.metadata("algorithm", "test-minmax");
            QuantizationPlan plan = pb.build();
            Map<String, Tensor> fp32Out;
            try (CompiledModel c = m.compile(QuantizationPlan.EMPTY, Set.of())) {
                fp32Out = c.infer(batch);
            }
            Map<String, Tensor> int8Out;
            try (CompiledModel c = m.compile(plan, Set.of())) {
                int8Out = c.infer(batch);
            }
            ModelProto written = ((OnnxModel) m).applied(plan);
            Map<String, String> listed = floatIslands(written);
            assertEquals(listed, new TreeMap<>(m.floatOps(plan)), "Model.floatOps (report.json) and the metadata agree");
            int listedFunctionOps = 0;
            Set<String> originalNames = new java.util.HashSet<>();
            Set<String> listedPrefixes = new java.util.HashSet<>();
            for (NodeProto n : fixture.getGraph().getNodeList()) {
                originalNames.add(n.getName());
                if (listed.containsKey(n.getName())) {
                    listedFunctionOps += FUNCTION_OPS.contains(n.getOpType()) ? 1 : 0;
                    listedPrefixes.add(n.getName());
                    listedPrefixes.addAll(n.getOutputList());
                }
            }
            return new Run(ModelProto.parseFrom(Files.readAllBytes(optimized)), listed, listedFunctionOps, originalNames,
                    listedPrefixes, fp32, fp32Out,
                    int8Out);
        }
    }

    /** The {@code float_islands} object of the model's {@code pot4j.quantization} metadata. */
    private static Map<String, String> floatIslands(ModelProto written) {
        Map<String, String> out = new TreeMap<>();
        for (var e : written.getMetadataPropsList()) {
            if (e.getKey().equals("pot4j.quantization")) {
                Matcher m = Pattern.compile("\"float_islands\":\\{([^}]*)}").matcher(e.getValue());
                if (m.find()) {
                    Matcher kv = Pattern.compile("\"([^\"]*)\":\"([^\"]*)\"").matcher(m.group(1));
                    while (kv.find()) {
                        out.put(kv.group(1), kv.group(2));
                    }
                }
            }
        }
        return out;
    }

    private static Map<String, Tensor> batch(Model m) {
        var data = OnnxTestData.randomImages(4, OnnxTestModels.SIDE, 3);
        List<Tensor> parts = new ArrayList<>();
        for (int i = 0; i < data.size(); i++) {
            parts.add(data.get(i).inputs().get("input").withBatchDim());
        }
        return Map.of(m.inputs().get(0).name(), Tensor.concat(parts));
    }

    /** ORT's optimized graph and what pot4j listed. */
    private static final class Run {
        final ModelProto optimized;
        final Map<String, String> listedFloatIslands;
        final int listedFunctionOps;
        final Set<String> originalNames;
        final Set<String> listedPrefixes;
        final Set<String> fp32;
        final Map<String, Integer> ops = new TreeMap<>();
        final Map<String, Tensor> fp32Out;
        final Map<String, Tensor> int8Out;
        private final Map<String, NodeProto> producer = new HashMap<>();
        private final Map<String, List<NodeProto>> consumers = new HashMap<>();

        Run(ModelProto optimized, Map<String, String> listed, int listedFunctionOps, Set<String> originalNames,
            Set<String> listedPrefixes, Set<String> fp32, Map<String, Tensor> fp32Out,
            Map<String, Tensor> int8Out) {
            this.optimized = optimized;
            this.listedFloatIslands = listed;
            this.listedFunctionOps = listedFunctionOps;
            this.originalNames = originalNames;
            this.listedPrefixes = listedPrefixes;
            this.fp32 = fp32;
            this.fp32Out = fp32Out;
            this.int8Out = int8Out;
            for (NodeProto n : optimized.getGraph().getNodeList()) {
                ops.merge(n.getOpType(), 1, Integer::sum);
                n.getOutputList().forEach(o -> producer.put(o, n));
                n.getInputList().forEach(i -> consumers.computeIfAbsent(i, k -> new ArrayList<>()).add(n));
            }
        }

        int count(String op) {
            return ops.getOrDefault(op, 0);
        }

        /**
         * Float islands: connected groups of float nodes (not Q/DQ, not ORT's integer ops) that read
         * a DequantizeLinear and feed a QuantizeLinear. ORT may expand one op into several (HardSwish
         * into HardSigmoid and Mul), hence groups rather than single nodes.
         */
        List<List<NodeProto>> islands() {
            List<NodeProto> nodes = optimized.getGraph().getNodeList();
            Map<NodeProto, Integer> group = new HashMap<>();
            List<List<NodeProto>> groups = new ArrayList<>();
            for (NodeProto n : nodes) {
                if (isBoundary(n) || group.containsKey(n)) {
                    continue;
                }
                List<NodeProto> g = new ArrayList<>();
                java.util.ArrayDeque<NodeProto> work = new java.util.ArrayDeque<>(List.of(n));
                group.put(n, groups.size());
                while (!work.isEmpty()) {
                    NodeProto cur = work.pop();
                    g.add(cur);
                    List<NodeProto> next = new ArrayList<>();
                    cur.getInputList().forEach(i -> next.add(producer.get(i)));
                    cur.getOutputList().forEach(o -> next.addAll(consumers.getOrDefault(o, List.of())));
                    for (NodeProto m : next) {
                        if (m != null && !isBoundary(m) && !group.containsKey(m)) {
                            group.put(m, groups.size());
                            work.push(m);
                        }
                    }
                }
                groups.add(g);
            }
            List<List<NodeProto>> out = new ArrayList<>();
            for (List<NodeProto> g : groups) {
                boolean fromDq = g.stream().flatMap(n -> n.getInputList().stream()).map(producer::get)
                        .anyMatch(p -> p != null && p.getOpType().equals("DequantizeLinear"));
                boolean intoQ = g.stream().flatMap(n -> n.getOutputList().stream())
                        .flatMap(o -> consumers.getOrDefault(o, List.of()).stream())
                        .anyMatch(c -> c.getOpType().equals("QuantizeLinear"));
                if (fromDq && intoQ) {
                    out.add(g);
                }
            }
            return out;
        }

        private static boolean isBoundary(NodeProto n) {
            String op = n.getOpType();
            return op.equals("QuantizeLinear") || op.equals("DequantizeLinear") || op.startsWith("QLinear")
                    || op.equals("QGemm") || op.contains("Integer");
        }

        /**
         * Island nodes of an op class ORT has an integer form for (other than nodes the plan keeps in
         * FP32), and islands with no node pot4j listed as float.
         */
        List<String> fusableIslands() {
            List<String> out = new ArrayList<>();
            for (List<NodeProto> g : islands()) {
                boolean accounted = false;
                for (NodeProto n : g) {
                    boolean original = originalNames.contains(n.getName());
                    if (original && OnnxOpClasses.of(n) != OnnxOpClasses.OpClass.FLOAT_ONLY && !fp32.contains(n.getName())) {
                        out.add(n.getOpType() + " " + n.getName());
                    }
                    // ORT renames what it rewrites: fused/relayouted nodes start with the name or output
                    // of the node they came from, inlined function ops (HardSwish) get generated names
                    accounted |= listedFloatIslands.containsKey(n.getName())
                            || !original && (listedFunctionOps > 0 || listedPrefixes.stream().anyMatch(n.getName()::startsWith));
                }
                if (!accounted) {
                    out.add("unlisted island " + g.stream().map(n -> n.getOpType() + " '" + n.getName() + "'").toList()
                            + ", listed " + listedFloatIslands);
                }
            }
            return out;
        }

        /** Relative L2 error of every output against FP32 stays below {@code limit}. */
        void assertCloseToFp32(double limit) {
            for (Map.Entry<String, Tensor> e : fp32Out.entrySet()) {
                float[] a = e.getValue().toFloatArray();
                float[] b = int8Out.get(e.getKey()).toFloatArray();
                double num = 0;
                double den = 0;
                for (int i = 0; i < a.length; i++) {
                    num += (a[i] - b[i]) * (double) (a[i] - b[i]);
                    den += a[i] * (double) a[i];
                }
                double rel = Math.sqrt(num / Math.max(den, 1e-12));
                assertTrue(rel < limit, e.getKey() + ": relative error to FP32 " + rel);
            }
        }
    }
}
