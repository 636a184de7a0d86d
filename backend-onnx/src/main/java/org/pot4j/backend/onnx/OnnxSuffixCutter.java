package org.pot4j.backend.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pot4j.api.DataType;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.SuffixRuns;
import org.pot4j.api.model.TensorInfo;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.backend.onnx.proto.OnnxProtos.AttributeProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.GraphProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.ModelProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.NodeProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.TensorProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.TensorShapeProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.TypeProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.ValueInfoProto;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link SuffixRuns} for ONNX: both plans are written as QDQ graphs; a node of the variant's graph is
 * <em>stable</em> when the base graph has the identical node (op, attributes, input and output names)
 * and all its inputs are stable (graph inputs, initializers with identical contents, outputs of
 * stable nodes), so it computes the same values in both. The suffix is every node the outputs need
 * that is not stable; it starts from the stable tensors those nodes read. A stable tensor without a
 * batch dimension (a shape computation) is not fed but recomputed, so every fed tensor splits per sample.
 * Comparing whole graphs instead of reasoning about where the writer puts quantizers keeps this
 * correct whatever the writer does (a quantizer repeated after a MaxPool, a shared input quantizer).
 */
final class OnnxSuffixCutter {
    private static final Logger LOG = LoggerFactory.getLogger(OnnxSuffixCutter.class);
    /** A suffix running more than this share of the nodes is not worth a separate session. */
    static final double MAX_SHARE = 0.95;

    private final OnnxGraph graph;
    private final OnnxQdqWriter writer;
    private final OrtEnvironment env;
    private final OnnxSessionSettings settings;
    private final String modelName;
    /** The last base plan's index (most calls of a ranking share one base); replaced whole, so calls may run in parallel. */
    private volatile BaseIndex cached;

    private record BaseIndex(QuantizationPlan base, Index index) {
    }

    OnnxSuffixCutter(OnnxGraph graph, OnnxQdqWriter writer, OrtEnvironment env, OnnxSessionSettings settings, String modelName) {
        this.graph = graph;
        this.writer = writer;
        this.env = env;
        this.settings = settings;
        this.modelName = modelName;
    }

    /** The base graph's nodes by output and its initializers. */
    private record Index(Map<String, NodeProto> byOutput, Map<String, TensorProto> initializers) {
        static Index of(ModelProto m) {
            Map<String, NodeProto> byOutput = new HashMap<>();
            for (NodeProto n : m.getGraph().getNodeList()) {
                for (String o : n.getOutputList()) {
                    if (!o.isEmpty()) {
                        byOutput.put(o, n);
                    }
                }
            }
            Map<String, TensorProto> inits = new HashMap<>();
            for (TensorProto t : m.getGraph().getInitializerList()) {
                inits.put(t.getName(), t);
            }
            return new Index(byOutput, inits);
        }
    }

    /** Thread-safe: the writer is, and the base's index is swapped atomically. */
    SuffixRuns.Suffix suffix(QuantizationPlan base, QuantizationPlan variant) {
        long t0 = System.nanoTime();
        BaseIndex c = cached;
        if (c == null || !c.base().equals(base)) {
            c = new BaseIndex(base, Index.of(writer.apply(base, Set.of())));
            cached = c;
        }
        Index a = c.index();
        long t1 = System.nanoTime();
        ModelProto b = writer.apply(variant, Set.of());
        long t2 = System.nanoTime();
        GraphProto gb = b.getGraph();
        Map<String, TensorProto> bInits = new HashMap<>();
        for (TensorProto t : gb.getInitializerList()) {
            bInits.put(t.getName(), t);
        }
        Set<String> inputs = new HashSet<>(graph.inputs());
        Set<String> stable = new HashSet<>(inputs);
        Map<String, Integer> producer = new HashMap<>();
        boolean[] stableNode = new boolean[gb.getNodeCount()];
        int counted = 0;
        for (int i = 0; i < gb.getNodeCount(); i++) {
            NodeProto n = gb.getNode(i);
            for (AttributeProto at : n.getAttributeList()) {
                if (at.hasG() || at.getGraphsCount() > 0) {
                    return null; // subgraphs may read outer tensors: not cut
                }
            }
            for (String o : n.getOutputList()) {
                if (!o.isEmpty()) {
                    producer.put(o, i);
                }
            }
            NodeProto same = n.getOutputCount() == 0 ? null : a.byOutput.get(n.getOutput(0));
            boolean st = same != null && same.equals(n);
            for (int k = 0; st && k < n.getInputCount(); k++) {
                String in = n.getInput(k);
                if (in.isEmpty() || stable.contains(in)) {
                    continue;
                }
                TensorProto init = bInits.get(in);
                st = init != null && init.equals(a.initializers.get(in));
            }
            stableNode[i] = st;
            if (st) {
                stable.addAll(n.getOutputList());
            }
            counted++;
        }
        // walk back from the outputs: unstable nodes join the suffix, stable batched tensors are fed
        Set<Integer> nodes = new HashSet<>();
        Set<String> fed = new LinkedHashSet<>();
        Set<String> usedInits = new LinkedHashSet<>();
        Deque<String> todo = new ArrayDeque<>(graph.outputs());
        Set<String> seen = new HashSet<>();
        while (!todo.isEmpty()) {
            String t = todo.pop();
            if (t.isEmpty() || !seen.add(t)) {
                continue;
            }
            if (bInits.containsKey(t)) {
                usedInits.add(t);
                continue;
            }
            if (inputs.contains(t)) {
                fed.add(t);
                continue;
            }
            Integer p = producer.get(t);
            if (p == null) {
                return null;
            }
            if (stableNode[p] && batched(typeOf(t, gb.getNode(p), bInits))) {
                fed.add(t);
                continue;
            }
            if (nodes.add(p)) {
                for (String in : gb.getNode(p).getInputList()) {
                    todo.push(in);
                }
            }
        }
        double share = counted == 0 ? 1 : (double) nodes.size() / counted;
        if (nodes.isEmpty() || share > MAX_SHARE) {
            return null;
        }
        List<TensorInfo> infos = new ArrayList<>();
        GraphProto.Builder g = GraphProto.newBuilder().setName(gb.getName() + "_suffix");
        for (String t : fed) {
            Integer p = producer.get(t);
            OnnxGraph.ValueType vt = p == null ? graph.type(t) : typeOf(t, gb.getNode(p), bInits);
            DataType dt = OnnxTensorProtos.apiType(vt.elemType());
            if (dt == null) {
                return null;
            }
            infos.add(new TensorInfo(t, dt, vt.shape()));
            g.addInput(valueInfo(t, vt));
        }
        for (int i = 0; i < gb.getNodeCount(); i++) {
            if (nodes.contains(i)) {
                g.addNode(gb.getNode(i));
            }
        }
        for (TensorProto t : gb.getInitializerList()) {
            if (usedInits.contains(t.getName())) {
                g.addInitializer(t);
            }
        }
        g.addAllOutput(gb.getOutputList());
        ModelProto suffix = b.toBuilder().setGraph(g).build();
        if (LOG.isDebugEnabled()) {
            LOG.debug("suffix of {}: {} of {} nodes, fed {}; base {} ms, write {} ms, cut {} ms", modelName,
                    nodes.size(), counted, fedDescription(fed, producer, gb), OnnxTimings.ms(t1 - t0), OnnxTimings.ms(t2 - t1),
                    OnnxTimings.ms(System.nanoTime() - t2));
        }
        return new OnnxSuffix(suffix, List.copyOf(infos), share);
    }

    private static String fedDescription(Set<String> fed, Map<String, Integer> producer, GraphProto g) {
        StringBuilder sb = new StringBuilder();
        for (String t : fed) {
            Integer p = producer.get(t);
            sb.append(sb.length() == 0 ? "" : ", ").append(t).append(" <- ").append(p == null ? "input" : g.getNode(p).getOpType());
        }
        return sb.toString();
    }

    /**
     * The type of {@code t}, written by {@code producer}: the FP32 graph's, or for the 8-bit output of a
     * QuantizeLinear (which the FP32 graph does not have) the float input's shape and dimension names with the
     * zero point's element type. Feeding that tensor instead of the float one before it starts the suffix at the
     * DequantizeLinear, as the whole graph has it: ORT fuses it into the next integer kernel there too, the capture
     * run keeps the producer's fused kernel (a float tensor returned as an output cannot be fused away), and the
     * captured tensors take a quarter of the bytes. Unknown (element type 0) otherwise.
     */
    private OnnxGraph.ValueType typeOf(String t, NodeProto producer, Map<String, TensorProto> inits) {
        if (graph.hasTensor(t)) {
            return graph.type(t);
        }
        if (producer.getOpType().equals("QuantizeLinear") && producer.getInputCount() == 3 && producer.getOutput(0).equals(t)) {
            TensorProto zp = inits.get(producer.getInput(2));
            OnnxGraph.ValueType x = graph.hasTensor(producer.getInput(0)) ? graph.type(producer.getInput(0)) : null;
            if (zp != null && zp.getDimsCount() == 0 && x != null && x.shape() != null) {
                return new OnnxGraph.ValueType(zp.getDataType(), x.shape(), x.dimNames());
            }
        }
        return new OnnxGraph.ValueType(0, null);
    }

    /** Known to carry the batch as its first dimension (dynamic, or the model's fixed batch). */
    private boolean batched(OnnxGraph.ValueType vt) {
        if (vt.elemType() == 0 || vt.shape() == null || vt.shape().length == 0) {
            return false;
        }
        long first = vt.shape()[0];
        long batch = inputBatch();
        return first < 0 ? batch < 0 : first == batch;
    }

    /** The first dimension of the model's first input: -1 when dynamic. */
    private long inputBatch() {
        long[] s = graph.type(graph.inputs().get(0)).shape();
        return s == null || s.length == 0 ? -1 : s[0];
    }

    /**
     * The fed tensor's type as the whole graph has it: fixed sizes as numbers, a dynamic dim under the name
     * ORT's shape inference gave it there, unnamed when it gave none. ORT's fusions compare dims by these
     * names (SkipLayerNormalization fuses an Add only when both inputs say the same dims): a suffix whose
     * inputs say more or less than the whole graph does can be fused differently and compute other values
     * (MiniLM: the cut after the embeddings' LayerNorm fused 12 SkipLayerNormalizations the whole model
     * does not have, 10-25% of its NMSE to FP32 apart). Unnamed dims are also never taken as equal, so ORT
     * plans no shared buffer for [b, 12, s, s] and [b, 12, s, 32] (which a shared "d3" once made it do).
     */
    static ValueInfoProto valueInfo(String name, OnnxGraph.ValueType vt) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        String[] names = vt.dimNames();
        for (long d : vt.shape()) {
            int axis = shape.getDimCount();
            TensorShapeProto.Dimension.Builder dim = TensorShapeProto.Dimension.newBuilder();
            if (d >= 0) {
                dim.setDimValue(d);
            } else if (names != null && axis < names.length && names[axis] != null && !names[axis].isEmpty()) {
                dim.setDimParam(names[axis]);
            }
            shape.addDim(dim);
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(vt.elemType()).setShape(shape))).build();
    }

    private final class OnnxSuffix implements SuffixRuns.Suffix {
        private final ModelProto proto;
        private final List<TensorInfo> inputs;
        private final double share;

        OnnxSuffix(ModelProto proto, List<TensorInfo> inputs, double share) {
            this.proto = proto;
            this.inputs = inputs;
            this.share = share;
        }

        @Override
        public List<TensorInfo> inputs() {
            return inputs;
        }

        @Override
        public double share() {
            return share;
        }

        @Override
        public CompiledModel compile() {
            return compile(1);
        }

        @Override
        public CompiledModel compile(int concurrentRuns) {
            OnnxSessionSettings with = settings.forConcurrentRuns(concurrentRuns, Runtime.getRuntime().availableProcessors());
            try (OrtSession.SessionOptions so = with.toSessionOptions()) {
                long t0 = System.nanoTime();
                byte[] bytes = proto.toByteArray();
                long t1 = System.nanoTime();
                OrtSession session = env.createSession(bytes, so);
                if (LOG.isDebugEnabled()) {
                    LOG.debug("compiled a suffix of {} ({} nodes): serialize {} ms ({} KiB), session {} ms", modelName,
                            proto.getGraph().getNodeCount(), OnnxTimings.ms(t1 - t0), bytes.length >> 10,
                            OnnxTimings.ms(System.nanoTime() - t1));
                }
                return new OnnxCompiledModel(env, session, modelName + " (suffix)", inputs, graph.outputs());
            } catch (OrtException e) {
                throw new Pot4jException(ErrorCode.RUNTIME_FAILURE, "ONNX Runtime cannot build a session for a suffix of "
                        + modelName + " (" + OnnxGraph.firstLine(e.getMessage()) + ")", e);
            }
        }
    }
}
