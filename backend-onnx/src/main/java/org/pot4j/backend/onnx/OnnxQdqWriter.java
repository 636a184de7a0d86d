package org.pot4j.backend.onnx;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.graph.QuantizerPlacement;
import org.pot4j.api.quant.ActivationQuantizer;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.api.quant.WeightQuantizer;
import org.pot4j.backend.onnx.proto.OnnxProtos.AttributeProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.GraphProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.ModelProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.NodeProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.OperatorSetIdProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.StringStringEntryProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.TensorProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.TypeProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.ValueInfoProto;

/**
 * Applies a {@link QuantizationPlan} to a copy of the FP32 graph as a QDQ model (used by both
 * {@code compile} and {@code save}, so what is measured is what is written):
 * <ul>
 * <li>weights become INT8 initializers followed by {@code DequantizeLinear} (per-channel with
 * {@code axis});</li>
 * <li>a Conv/Gemm bias becomes an INT32 initializer with scale = input scale x weight scale (per
 * channel), zero point 0, followed by {@code DequantizeLinear}, when the node's input is quantized;
 * otherwise it stays float. Bias shifts are added before quantizing it;</li>
 * <li>each quantized activation tensor gets one {@code QuantizeLinear} after its producer and one
 * shared {@code DequantizeLinear}; the quantizer is repeated after value-preserving ops (MaxPool,
 * Reshape, Flatten, Transpose...) on the way to a quantized node. Which consumers read the
 * dequantized value is decided by {@code readsDequantized}: all of them for a node's output
 * quantizer (ORT fuses a Conv only when the Q is its sole consumer), only the quantized nodes for an
 * input quantizer (a transformer's residual Add keeps the exact float values);</li>
 * <li>activations are stored as <b>uint8</b>: a signed quantizer (zero point z in [-128, 127]) is
 * written as the identical uint8 quantizer with zero point z + 128. The values are the same, but
 * ORT's x86 QLinearConv/QLinearMatMul fusions only accept uint8 activations;</li>
 * <li>nodes in {@code plan.fp32Nodes()} keep their float weights and bias; an activation quantizer is
 * dropped when every node that lists its tensor is kept in FP32.</li>
 * </ul>
 * Models below opset 13 get the {@code com.microsoft} Q/DQ ops, which take the per-channel
 * {@code axis} that the default domain only has from opset 13.
 */
final class OnnxQdqWriter {
    private static final String MS_DOMAIN = "com.microsoft";
    private static final int INT32_MAX = Integer.MAX_VALUE;

    private final OnnxGraph graph;
    private final List<OnnxNodeBinding> bindings;
    /** Nodes after which an input's quantizer is repeated (shared scale, see {@link OnnxOpClasses}). */
    private final Set<Integer> sharedScaleNodes;
    private final Set<String> convRegion;
    private final Map<String, OnnxNodeBinding> byId = new LinkedHashMap<>();

    /** This CPU's measured kernel times (null: keep uint8 storage), asked for only when a plan has activations. */
    private final java.util.function.Supplier<OnnxKernelTable> kernelTable;

    /** Quantized weights kept between plans (capacity 0: none). */
    private final OnnxRewriteCache cache;

    OnnxQdqWriter(OnnxGraph graph, List<OnnxNodeBinding> bindings, QuantizerPlacement.Placement placement,
                  java.util.function.Supplier<OnnxKernelTable> kernelTable) {
        this(graph, bindings, placement, kernelTable, new OnnxRewriteCache(0));
    }

    OnnxQdqWriter(OnnxGraph graph, List<OnnxNodeBinding> bindings, QuantizerPlacement.Placement placement,
                  java.util.function.Supplier<OnnxKernelTable> kernelTable, OnnxRewriteCache cache) {
        this.graph = graph;
        this.cache = cache;
        this.kernelTable = kernelTable == null ? () -> null : kernelTable;
        this.bindings = List.copyOf(bindings);
        this.sharedScaleNodes = placement.sharedScaleNodes();
        this.convRegion = placement.region();
        for (OnnxNodeBinding b : bindings) {
            byId.put(b.id(), b);
        }
    }

    OnnxRewriteCache cache() {
        return cache;
    }

    /**
     * The FP32 model with {@code plan} applied, {@code extraOutputs} added as graph outputs, and the
     * plan's summary in metadata_props.
     *
     * @throws Pot4jException {@code CONFIG_INVALID} when the plan names nodes or tensors the model lacks
     */
    ModelProto apply(QuantizationPlan plan, Set<String> extraOutputs) {
        validate(plan, extraOutputs);
        return new Rewrite(plan).build(extraOutputs);
    }

    /**
     * The nodes {@code plan} leaves in float between a DequantizeLinear and a QuantizeLinear, with the
     * reason (float-only op class, or kept in FP32 by the plan); the same map the metadata holds.
     */
    Map<String, String> floatIslands(QuantizationPlan plan) {
        validate(plan, Set.of());
        Rewrite r = new Rewrite(plan);
        r.build(Set.of());
        return Map.copyOf(r.floatIslands);
    }

    private void validate(QuantizationPlan plan, Set<String> extraOutputs) {
        for (Map.Entry<String, WeightQuantizer> e : plan.weights().entrySet()) {
            OnnxNodeBinding b = byId.get(e.getKey());
            if (b == null || !b.view().hasWeight()) {
                throw invalid("the plan quantizes the weight of node '" + e.getKey() + "', which "
                        + (b == null ? "the model does not have" : "has no weight"));
            }
            WeightQuantizer q = e.getValue();
            if (q.bits() > 8) {
                throw invalid("node '" + e.getKey() + "' asks for " + q.bits() + "-bit weights; the onnx backend stores 8 bits or fewer");
            }
            long[] ws = b.view().weightShape();
            if (q.axis() >= 0 && (q.axis() >= ws.length || q.scales().length != ws[q.axis()])) {
                throw invalid("the weight quantizer of node '" + e.getKey() + "' has " + q.scales().length
                        + " scales on axis " + q.axis() + " but the weight's shape is " + Arrays.toString(ws));
            }
        }
        for (Map.Entry<String, ActivationQuantizer> e : plan.activations().entrySet()) {
            if (!graph.hasTensor(e.getKey())) {
                throw invalid("the plan quantizes tensor '" + e.getKey() + "', which the model does not have");
            }
            if (e.getValue().bits() > 8) {
                throw invalid("tensor '" + e.getKey() + "' asks for " + e.getValue().bits()
                        + "-bit activations; the onnx backend stores 8 bits or fewer");
            }
        }
        for (Map.Entry<String, float[]> e : plan.biasShifts().entrySet()) {
            OnnxNodeBinding b = byId.get(e.getKey());
            if (b == null || !b.view().hasWeight()) {
                throw invalid("the plan shifts the bias of node '" + e.getKey() + "', which "
                        + (b == null ? "the model does not have" : "has no weight"));
            }
            if (e.getValue().length != biasChannels(b)) {
                throw invalid("the bias shift of node '" + e.getKey() + "' has " + e.getValue().length
                        + " values but the node has " + biasChannels(b) + " output channels");
            }
            if (b.biasNode() < 0) {
                throw invalid("node '" + e.getKey() + "' (" + b.view().opType() + ") has no bias to shift");
            }
        }
        for (String id : plan.fp32Nodes()) {
            if (!byId.containsKey(id)) {
                throw invalid("the plan keeps node '" + id + "' in FP32, but the model has no quantizable node of that name");
            }
        }
        // a name the FP32 graph lacks may still be an 8-bit tensor the plan writes (checked when built)
    }

    private static float floatAttribute(NodeProto n, String name, float fallback) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a.getF();
            }
        }
        return fallback;
    }

    private static Pot4jException invalid(String msg) {
        return new Pot4jException(ErrorCode.CONFIG_INVALID, msg + "; the plan does not match this model");
    }

    /** Number of bias values of a weighted node (its output channels). */
    int biasChannels(OnnxNodeBinding b) {
        if (b.biasShape() != null) {
            long n = 1;
            for (long d : b.biasShape()) {
                n *= d;
            }
            return (int) n;
        }
        long[] ws = b.view().weightShape();
        long c = ws[b.view().weightChannelAxis()];
        if (b.view().opType().equals("ConvTranspose")) {
            c *= OnnxGraph.intAttribute(graph.node(b.nodeIndex()), "group", 1);
        }
        return (int) c;
    }

    /** One application of a plan. */
    private final class Rewrite {
        private final QuantizationPlan plan;
        private final String qdqDomain;
        private final Set<String> names = new HashSet<>();
        private final Map<String, ActivationQuantizer> activations = new LinkedHashMap<>();
        /** Quantized tensors whose every consumer reads the dequantized value (see {@link #readsDequantized}). */
        private final Set<String> wholeTensors = new HashSet<>();
        private final Set<Integer> quantizedNodes = new HashSet<>();
        private final Map<String, String[]> activationParams = new HashMap<>();
        /** ONNX element type of each QuantizeLinear output written (the 8-bit tensors), which may be returned as extra outputs. */
        private final Map<String, Integer> eightBitTypes = new HashMap<>();
        private final List<TensorProto> newInitializers = new ArrayList<>();
        private final Set<String> replacedInitializers = new HashSet<>();
        private final Map<Integer, List<NodeProto>> before = new HashMap<>();
        private final Map<Integer, Map<Integer, String>> inputOverrides = new HashMap<>();
        /** New names for node outputs, and nodes written right after a node (outlier add-backs after a bias Add). */
        private final Map<Integer, Map<Integer, String>> outputOverrides = new HashMap<>();
        private final Map<Integer, List<NodeProto>> after = new HashMap<>();
        /** Nodes written instead of an original node (embedding gathers, dynamic MatMuls). */
        private final Map<Integer, List<NodeProto>> replacements = new HashMap<>();
        /** Tensors quantized at run time (dynamic quantizers): no Q/DQ pair, their MatMuls are rewritten. */
        private final Set<String> dynamicTensors = new HashSet<>();
        /** One DynamicQuantizeLinear per MatMul input tensor, shared by the MatMuls reading it. */
        private final Map<String, OnnxDynamicMatMul.QuantizedInput> dynamicInputs = new HashMap<>();
        /** The outlier-channel split of a dynamic input, shared like its DynamicQuantizeLinear. */
        private final Map<String, OnnxOutlierChannels.Split> outlierSplits = new HashMap<>();
        /** Dynamic inputs whose outlier channels are made in float at their source ({@link OnnxOutlierColumns}). */
        private final Map<String, OnnxOutlierColumns.Chain> columnChains = new HashMap<>();
        /** Weight columns (and bias channels) written as zero, by producer node id. */
        private final Map<String, int[]> zeroColumns = new HashMap<>();
        /** Weight row multipliers of the MatMuls reading a divided input, by input tensor. */
        private final Map<String, float[]> rowMultipliers = new HashMap<>();
        private final Map<String, Map<String, Object>> summary = new LinkedHashMap<>();
        /** Nodes left in float between a DequantizeLinear and a QuantizeLinear, with the reason. */
        private final Map<String, String> floatIslands = new LinkedHashMap<>();
        private boolean addedQdq;
        /** Tensors by stored activation encoding, and how many asymmetric quantizers became symmetric. */
        private final Map<String, Integer> storageCounts = new java.util.TreeMap<>();
        private int symmetrized;
        /** Quantizers repeated after a shared-scale op, to the tensor they copy (same storage, or ORT cannot drop the op's Q/DQ). */
        private final Map<String, String> copiedFrom = new HashMap<>();
        private final Map<String, OnnxActivationStorage> storages = new HashMap<>();
        private OnnxKernelTable table;

        Rewrite(QuantizationPlan plan) {
            this.plan = plan;
            this.qdqDomain = graph.opset() >= 13 ? "" : MS_DOMAIN;
            GraphProto g = graph.model().getGraph();
            for (NodeProto n : g.getNodeList()) {
                names.add(n.getName());
                names.addAll(n.getOutputList());
                names.addAll(n.getInputList());
            }
            for (ValueInfoProto v : g.getInputList()) {
                names.add(v.getName());
            }
            names.addAll(graph.initializers().keySet());
        }

        ModelProto build(Set<String> extraOutputs) {
            chooseActivations();
            chooseOutlierColumns();
            for (OnnxNodeBinding b : bindings) {
                boolean touched = plan.weights().containsKey(b.id()) || plan.biasShifts().containsKey(b.id());
                if (touched && !plan.fp32Nodes().contains(b.id())) {
                    rewriteWeightAndBias(b);
                }
            }
            GraphProto g = graph.model().getGraph();
            GraphProto.Builder gb = g.toBuilder().clearNode();
            for (String in : graph.inputs()) {
                if (activations.containsKey(in)) {
                    addQuantizePair(gb, in);
                }
            }
            for (int i = 0; i < graph.nodes().size(); i++) {
                NodeProto n = graph.node(i);
                NodeProto.Builder nb = n.toBuilder();
                // Shape/Size read only dimensions: they keep the float tensor of an input quantizer, so
                // ORT can still fold transformer shape chains; but the Q of a node's output (and of a
                // CNN tensor) must stay the only reader of that output, or ORT cannot fuse or drop the
                // producer (dynamic-batch ShuffleNet exports read Shape() of the shuffle's Reshapes)
                boolean shapeOnly = OnnxOpClasses.SHAPE_READER.contains(n.getOpType());
                boolean readsDq = false;
                for (int slot = 0; slot < nb.getInputCount(); slot++) {
                    String t = nb.getInput(slot);
                    if (activations.containsKey(t) && (shapeOnly ? wholeTensors.contains(t) || convRegion.contains(t)
                            : readsDequantized(i, t))) {
                        // a Shape reads the 8-bit tensor itself: same dimensions, no dequantization to run
                        nb.setInput(slot, activationParams.get(t)[shapeOnly ? 0 : 3]);
                        readsDq = !shapeOnly;
                    }
                }
                if (readsDq) {
                    noteFloatIsland(i);
                }
                for (NodeProto pre : before.getOrDefault(i, List.of())) {
                    gb.addNode(pre);
                }
                Map<Integer, String> overrides = inputOverrides.getOrDefault(i, Map.of());
                for (Map.Entry<Integer, String> o : overrides.entrySet()) {
                    while (nb.getInputCount() <= o.getKey()) {
                        nb.addInput("");
                    }
                    nb.setInput(o.getKey(), o.getValue());
                }
                for (int o = 0; o < n.getOutputCount(); o++) {
                    String out = n.getOutput(o);
                    if (activations.containsKey(out) && activationParams.get(out)[3].equals(out)) {
                        // a quantized graph output: the node writes a float temporary, the DQ the output
                        nb.setOutput(o, activationParams.get(out)[4]);
                    }
                }
                outputOverrides.getOrDefault(i, Map.of()).forEach(nb::setOutput);
                gb.addAllNode(replacements.containsKey(i) ? replacements.get(i) : List.of(nb.build()));
                gb.addAllNode(after.getOrDefault(i, List.of()));
                for (String out : n.getOutputList()) {
                    if (activations.containsKey(out)) {
                        addQuantizePair(gb, out);
                    }
                }
            }
            dropReplacedInitializers(gb);
            gb.addAllInitializer(newInitializers);
            Set<String> outputs = new HashSet<>(graph.outputs());
            for (String t : extraOutputs) {
                if (!graph.hasTensor(t) && !eightBitTypes.containsKey(t)) {
                    throw invalid("cannot return tensor '" + t + "': the model has no tensor of that name");
                }
                if (outputs.add(t)) {
                    gb.addOutput(outputInfo(t));
                }
            }
            ModelProto.Builder mb = graph.model().toBuilder().setGraph(gb);
            if (!qdqDomain.isEmpty() && addedQdq) {
                boolean has = mb.getOpsetImportList().stream().anyMatch(o -> o.getDomain().equals(MS_DOMAIN));
                if (!has) {
                    mb.addOpsetImport(OperatorSetIdProto.newBuilder().setDomain(MS_DOMAIN).setVersion(1));
                }
            }
            writeMetadata(mb);
            return mb.build();
        }

        /**
         * Records node {@code i}, which reads a dequantized tensor, when it stays float: a node the
         * plan keeps in FP32, or one that writes a quantized tensor but has no integer form in ORT
         * (float-only class). The report lists them, so every remaining float island has a reason.
         */
        private void noteFloatIsland(int i) {
            NodeProto n = graph.node(i);
            String name = n.getName().isEmpty() ? n.getOpType() + "#" + i : n.getName();
            OnnxNodeBinding b = byId.get(n.getName());
            if (b != null && b.nodeIndex() == i && plan.fp32Nodes().contains(b.id())) {
                floatIslands.put(name, "kept in FP32 by the plan");
                return;
            }
            if (quantizedNodes.contains(i) || sharedScaleNodes.contains(i)
                    || n.getOutputList().stream().noneMatch(activations::containsKey)) {
                return;
            }
            if (OnnxOpClasses.of(n) == OnnxOpClasses.OpClass.FLOAT_ONLY) {
                floatIslands.put(name, OnnxOpClasses.floatReason(n.getOpType()));
            } else if (OnnxOpClasses.of(n) != OnnxOpClasses.OpClass.REMOVABLE_ACTIVATION) {
                floatIslands.put(name, "not quantized by the plan");
            }
        }

        /** Plan activations minus those only FP32 nodes need, plus copies after value-preserving ops. */
        private void chooseActivations() {
            Map<String, List<String>> listedBy = new HashMap<>();
            for (OnnxNodeBinding b : bindings) {
                for (String t : b.view().activationInputs()) {
                    listedBy.computeIfAbsent(t, k -> new ArrayList<>()).add(b.id());
                }
                for (String t : b.view().activationOutputs()) {
                    listedBy.computeIfAbsent(t, k -> new ArrayList<>()).add(b.id());
                }
            }
            for (OnnxNodeBinding b : bindings) {
                if (!plan.fp32Nodes().contains(b.id())) {
                    quantizedNodes.add(b.nodeIndex());
                    wholeTensors.addAll(b.view().activationOutputs());
                }
            }
            for (Map.Entry<String, ActivationQuantizer> e : plan.activations().entrySet()) {
                List<String> owners = listedBy.getOrDefault(e.getKey(), List.of());
                if (!owners.isEmpty() && plan.fp32Nodes().containsAll(owners)) {
                    continue;
                }
                if (e.getValue().dynamic()) {
                    checkDynamic(e.getKey(), owners);
                    dynamicTensors.add(e.getKey());
                    continue;
                }
                if (owners.isEmpty()) {
                    wholeTensors.add(e.getKey());
                }
                activations.put(e.getKey(), storedQuantizer(e.getKey(), e.getValue()));
            }
            Deque<String> work = new ArrayDeque<>(activations.keySet());
            while (!work.isEmpty()) {
                String t = work.pop();
                for (int c : graph.consumers(t)) {
                    NodeProto n = graph.node(c);
                    if (!sharedScaleNodes.contains(c) || !n.getInput(0).equals(t)) {
                        continue;
                    }
                    for (String out : n.getOutputList()) {
                        if (out.isEmpty() || activations.containsKey(out) || graph.isGraphOutput(out)
                                || !graph.isFloatActivation(out) || !feedsQuantizedNode(out, quantizedNodes, 0)) {
                            continue;
                        }
                        activations.put(out, activations.get(t));
                        copiedFrom.put(out, t);
                        work.push(out);
                    }
                }
            }
            for (Map.Entry<String, ActivationQuantizer> e : activations.entrySet()) {
                String[] p = activationParams.computeIfAbsent(e.getKey(), k -> activationInitializers(k, e.getValue()));
                if (graph.isGraphOutput(e.getKey()) && wholeTensors.contains(e.getKey())
                        && graph.producer(e.getKey()) >= 0) {
                    // ORT fuses a node only when it does not produce a graph output itself: the node
                    // writes a temporary and the DequantizeLinear produces the output, as ORT's own
                    // quantizer does (e.g. the last Conv or Concat of a detection head)
                    p[4] = unique(e.getKey() + "_float");
                    p[3] = e.getKey();
                }
            }
        }

        /**
         * The dynamic inputs whose outlier channels can be made in float at their source: an element-wise
         * function (GELU) of a dynamic MatMul's biased output, whose every reader is a quantized dynamic MatMul
         * (an FP32 reader would see the zeroed channels).
         */
        private void chooseOutlierColumns() {
            Map<String, OnnxNodeBinding> byBiasOutput = new HashMap<>();
            for (OnnxNodeBinding b : bindings) {
                if (b.view().opType().equals("MatMul") && b.biasNode() >= 0 && b.biasNode() != b.nodeIndex()
                        && b.view().biasName() != null && b.biasShape() != null && b.biasShape().length == 1) {
                    byBiasOutput.put(graph.node(b.biasNode()).getOutput(0), b);
                }
            }
            for (Map.Entry<String, int[]> e : plan.floatChannels().entrySet()) {
                String x = e.getKey();
                if (!dynamicTensors.contains(x)) {
                    continue;
                }
                OnnxOutlierColumns.Chain chain = OnnxOutlierColumns.find(graph, x, byBiasOutput);
                if (chain == null || !quantizedDynamically(chain.producer()) || zeroColumns.containsKey(chain.producer().id())) {
                    continue;
                }
                long n = chain.producer().view().weightShape()[1];
                boolean readersOk = true;
                for (int c : graph.consumers(x)) {
                    OnnxNodeBinding r = byId.get(graph.node(c).getName());
                    readersOk &= r != null && r.nodeIndex() == c && quantizedDynamically(r)
                            && OnnxOutlierChannels.fits(e.getValue(), r.view().weightShape());
                }
                if (!readersOk || java.util.Arrays.stream(e.getValue()).anyMatch(c -> c >= n)) {
                    continue;
                }
                columnChains.put(x, chain);
                zeroColumns.put(chain.producer().id(), e.getValue());
            }
        }

        /** True when the writer rewrites this binding as a dynamic integer MatMul. */
        private boolean quantizedDynamically(OnnxNodeBinding b) {
            WeightQuantizer wq = plan.weights().get(b.id());
            return !plan.fp32Nodes().contains(b.id()) && wq != null && isDynamic(b)
                    && OnnxDynamicMatMul.supports(wq, b.view().weightShape());
        }

        /** This CPU's kernel table, measured or read from the cache the first time a rewrite needs it. */
        private OnnxKernelTable table() {
            if (table == null) {
                table = kernelTable.get();
            }
            return table;
        }

        /** The operator kinds (of the kernel table) that write or read {@code t}. */
        private Set<OnnxKernelTable.Kind> kinds(String t) {
            Set<OnnxKernelTable.Kind> kinds = java.util.EnumSet.noneOf(OnnxKernelTable.Kind.class);
            int p = graph.producer(t);
            if (p >= 0) {
                kinds.addAll(OnnxActivationStorage.kindsOf(graph.node(p)));
            }
            for (int c : graph.consumers(t)) {
                kinds.addAll(OnnxActivationStorage.kindsOf(graph.node(c)));
            }
            return kinds;
        }

        /** How {@code t} is stored: chosen for the tensor a shared-scale copy repeats, else for {@code t}. */
        private OnnxActivationStorage storage(String t, ActivationQuantizer q) {
            String root = t;
            for (int guard = 0; copiedFrom.containsKey(root) && guard < 1000; guard++) {
                root = copiedFrom.get(root);
            }
            String r = root;
            return storages.computeIfAbsent(r, k -> OnnxActivationStorage.choose(q, kinds(r), q.bits() == 8 ? table() : null));
        }

        /** The plan's quantizer, or its symmetric form when this CPU runs that faster and the range allows it. */
        private ActivationQuantizer storedQuantizer(String t, ActivationQuantizer q) {
            int u = OnnxActivationStorage.unsignedZeroPoint(q);
            if (q.bits() != 8 || u == 0 || u == 128) {
                return q;
            }
            ActivationQuantizer stored = OnnxActivationStorage.effective(q, kinds(t), table());
            if (stored != q) {
                symmetrized++;
            }
            return stored;
        }

        /**
         * Whether node {@code i} reads the dequantized {@code t} or the original float tensor. The
         * output quantizer of a quantized node (a Conv's output, after its Relu) belongs to the whole
         * tensor: ORT only fuses the Conv into QLinearConv when the Q is its sole consumer. An input
         * quantizer belongs to the quantized consumers (and the value-preserving ops leading to
         * them), as NNCF places quantizers on input ports: other readers, such as a transformer's
         * residual Add next to the quantized MatMuls, keep the exact float values.
         */
        private boolean readsDequantized(int i, String t) {
            if (wholeTensors.contains(t) || quantizedNodes.contains(i)) {
                return true;
            }
            NodeProto n = graph.node(i);
            return sharedScaleNodes.contains(i) && n.getInput(0).equals(t)
                    && n.getOutputList().stream().anyMatch(activations::containsKey);
        }

        private boolean feedsQuantizedNode(String t, Set<Integer> quantizedNodes, int depth) {
            if (depth > 64) {
                return false;
            }
            for (int c : graph.consumers(t)) {
                if (quantizedNodes.contains(c)) {
                    return true;
                }
                if (sharedScaleNodes.contains(c) && graph.node(c).getInput(0).equals(t)) {
                    for (String out : graph.node(c).getOutputList()) {
                        if (!out.isEmpty() && feedsQuantizedNode(out, quantizedNodes, depth + 1)) {
                            return true;
                        }
                    }
                }
            }
            return false;
        }

        /**
         * Scale and uint8 zero-point initializers of an activation; returns {Q output, scale, zero
         * point, DQ output, Q input (the tensor itself, or its float temporary for a graph output)}.
         */
        private String[] activationInitializers(String t, ActivationQuantizer q) {
            String scale = unique(t + "_scale");
            String zp = unique(t + "_zero_point");
            OnnxActivationStorage storage = storage(t, q);
            storageCounts.merge(storage.encoding().key(), 1, Integer::sum);
            newInitializers.add(OnnxTensorProtos.ofFloats(scale, new long[0], new float[] {q.scale()}));
            newInitializers.add(OnnxTensorProtos.ofBytes(zp, storage.encoding().onnxType(), new long[0],
                    new byte[] {(byte) storage.storedZeroPoint()}));
            String quantized = unique(t + "_quantized");
            eightBitTypes.put(quantized, storage.encoding().onnxType());
            return new String[] {quantized, scale, zp, unique(t + "_dequantized"), t};
        }

        /**
         * Q right after the producer and one DQ shared by all consumers (ORT gives each fused node
         * unit its own copy of a shared DQ itself; one node here keeps the file small).
         */
        private void addQuantizePair(GraphProto.Builder gb, String t) {
            String[] p = activationParams.get(t);
            gb.addNode(node("QuantizeLinear", List.of(p[4], p[1], p[2]), p[0], -1));
            gb.addNode(node("DequantizeLinear", List.of(p[0], p[1], p[2]), p[3], -1));
        }

        private void rewriteWeightAndBias(OnnxNodeBinding b) {
            NodeProto n = graph.node(b.nodeIndex());
            WeightQuantizer wq = plan.weights().get(b.id());
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("op", n.getOpType());
            if (wq != null && n.getOpType().equals("Gather") && OnnxEmbeddingGather.rowWise(wq)) {
                OnnxNodeReplacement r = cached(OnnxRewriteCache.key("gather", b.nodeIndex(), wq),
                        names -> OnnxEmbeddingGather.rewrite(n, graph.initializer(b.view().weightName()), wq, names));
                replacements.put(b.nodeIndex(), r.nodes());
                newInitializers.addAll(r.initializers());
                replacedInitializers.add(b.view().weightName());
                info.put("weight", List.of(wq.bits(), wq.axis(), wq.scales().length));
                info.put("layout", "gather_then_dequantize");
            } else if (wq != null && isDynamic(b)) {
                String x = n.getInput(0);
                TensorProto weight = graph.initializer(b.view().weightName());
                OnnxDynamicMatMul.QuantizedInput in = dynamicInputs.get(x);
                if (in == null) {
                    String quantized = outlierLayout(b, x);
                    in = OnnxDynamicMatMul.quantizeInput(quantized, this::unique);
                    dynamicInputs.put(x, in);
                    before.computeIfAbsent(b.nodeIndex(), k -> new ArrayList<>()).add(in.node());
                }
                OnnxOutlierChannels.Split split = outlierSplits.get(x);
                // the float part is added after the bias Add, so ORT still fuses the bias into the integer MatMul
                boolean afterBias = split != null && b.biasNode() >= 0 && b.biasNode() != b.nodeIndex()
                        && !outputOverrides.containsKey(b.biasNode());
                NodeProto integer = split == null || afterBias ? n
                        : n.toBuilder().setOutput(0, unique(n.getOutput(0) + "_inliers")).build();
                float[] multipliers = rowMultipliers.get(x);
                int[] zeros = zeroColumns.get(b.id());
                OnnxDynamicMatMul.QuantizedInput input = in;
                OnnxNodeReplacement r = cached(OnnxRewriteCache.key("dynamic", b.nodeIndex(), integer, wq, in, multipliers, zeros),
                        names -> OnnxDynamicMatMul.rewrite(integer, weight, wq, input, multipliers, zeros, names));
                if (rowMultipliers.containsKey(x)) {
                    info.put("outlier_channels_divided", plan.floatChannels().get(x).length);
                }
                if (zeroColumns.containsKey(b.id())) {
                    info.put("outlier_columns_in_float", zeroColumns.get(b.id()).length);
                }
                List<NodeProto> nodes = new ArrayList<>(r.nodes());
                newInitializers.addAll(r.initializers());
                if (afterBias) {
                    String biased = graph.node(b.biasNode()).getOutput(0);
                    String inliers = unique(biased + "_inliers");
                    outputOverrides.computeIfAbsent(b.biasNode(), k -> new HashMap<>()).put(0, inliers);
                    OnnxNodeReplacement side = OnnxOutlierChannels.addBack(split, inliers, biased, weight, this::unique);
                    after.computeIfAbsent(b.biasNode(), k -> new ArrayList<>()).addAll(side.nodes());
                    newInitializers.addAll(side.initializers());
                    info.put("float_outlier_channels", split.channels().length);
                } else if (split != null) {
                    OnnxNodeReplacement side = OnnxOutlierChannels.addBack(split, integer.getOutput(0), n.getOutput(0), weight,
                            this::unique);
                    nodes.addAll(side.nodes());
                    newInitializers.addAll(side.initializers());
                    info.put("float_outlier_channels", split.channels().length);
                }
                replacements.put(b.nodeIndex(), nodes);
                replacedInitializers.add(b.view().weightName());
                info.put("weight", List.of(wq.bits(), wq.axis(), wq.scales().length));
                info.put("activation", "dynamic");
            } else if (wq != null) {
                String dq = quantizeWeight(b, wq);
                inputOverrides.computeIfAbsent(b.nodeIndex(), k -> new HashMap<>()).put(b.weightInput(), dq);
                // [bits, axis (-1 = per tensor), number of scales]
                List<Object> w = List.of(wq.bits(), wq.axis(), wq.scales().length);
                info.put("weight", w);
            }
            info.put("bias", rewriteBias(b, wq));
            float[] shift = plan.biasShifts().get(b.id());
            if (shift != null) {
                info.put("bias_shift", true);
            }
            summary.put(b.id(), info);
        }

        /**
         * Writes how the outlier channels of dynamic input {@code x} (first read by {@code b}) leave the integer
         * product, and returns the tensor to quantize: made at the source in float ({@link OnnxOutlierColumns}),
         * divided into range ({@link OnnxOutlierChannels#divide}), or masked and added back (older plans).
         */
        private String outlierLayout(OnnxNodeBinding b, String x) {
            int[] channels = plan.floatChannels().get(x);
            if (channels == null || !OnnxOutlierChannels.fits(channels, b.view().weightShape())) {
                return x;
            }
            List<NodeProto> pre = before.computeIfAbsent(b.nodeIndex(), k -> new ArrayList<>());
            OnnxOutlierColumns.Chain chain = columnChains.get(x);
            if (chain != null) {
                OnnxNodeBinding p = chain.producer();
                OnnxOutlierColumns.Side side = OnnxOutlierColumns.side(graph, chain, x, channels,
                        graph.initializer(p.view().weightName()), producerBias(p), this::unique);
                pre.addAll(side.nodes());
                newInitializers.addAll(side.initializers());
                outlierSplits.put(x, new OnnxOutlierChannels.Split(x, side.outliers(), channels, List.of(), List.of()));
                return x;
            }
            float[] divisors = plan.channelDivisors().get(x);
            if (divisors != null && divisors.length == channels.length) {
                OnnxOutlierChannels.Divided d = OnnxOutlierChannels.divide(x, channels, divisors,
                        (int) b.view().weightShape()[0], this::unique);
                pre.addAll(d.nodes());
                newInitializers.add(d.initializer());
                rowMultipliers.put(x, d.rowMultipliers());
                return d.scaled();
            }
            OnnxOutlierChannels.Split split = OnnxOutlierChannels.split(x, channels, (int) b.view().weightShape()[0], this::unique);
            outlierSplits.put(x, split);
            pre.addAll(split.nodes());
            newInitializers.addAll(split.initializers());
            return split.masked();
        }

        /** The bias a MatMul's Add adds, with its plan shift (what its outlier columns need in float). */
        private float[] producerBias(OnnxNodeBinding p) {
            float[] bias = OnnxTensorProtos.floats(graph.initializer(p.view().biasName()));
            float[] shift = plan.biasShifts().get(p.id());
            if (shift != null) {
                for (int c = 0; c < bias.length && c < shift.length; c++) {
                    bias[c] += shift[c];
                }
            }
            return bias;
        }

        private boolean isDynamic(OnnxNodeBinding b) {
            List<String> ins = b.view().activationInputs();
            return !ins.isEmpty() && dynamicTensors.contains(ins.get(0));
        }

        /** A dynamic quantizer must feed only weighted MatMuls that the dynamic writer can express. */
        private void checkDynamic(String tensor, List<String> owners) {
            if (graph.opset() < 11) {
                throw invalid("tensor '" + tensor + "' is quantized dynamically, which needs opset 11 or newer (the model has "
                        + graph.opset() + ")");
            }
            for (String id : owners) {
                OnnxNodeBinding b = byId.get(id);
                WeightQuantizer wq = plan.weights().get(id);
                boolean ok = b.view().opType().equals("MatMul") && b.view().activationInputs().indexOf(tensor) == 0
                        && (plan.fp32Nodes().contains(id) || (wq != null && OnnxDynamicMatMul.supports(wq, b.view().weightShape())));
                if (!ok) {
                    throw invalid("tensor '" + tensor + "' is quantized dynamically but node '" + id + "' (" + b.view().opType()
                            + ") reads it; dynamic quantizers fit only the input of MatMuls with symmetric 2-D int8 weights");
                }
            }
            if (owners.isEmpty()) {
                throw invalid("tensor '" + tensor + "' is quantized dynamically but no quantizable MatMul reads it");
            }
        }

        private String quantizeWeight(OnnxNodeBinding b, WeightQuantizer q) {
            OnnxNodeReplacement r = cached(OnnxRewriteCache.key("weight", b.nodeIndex(), q), names -> quantizedWeight(b, q, names));
            NodeProto dq = r.nodes().get(0);
            addedQdq = true;
            newInitializers.addAll(r.initializers());
            before.computeIfAbsent(b.nodeIndex(), k -> new ArrayList<>()).add(dq);
            replacedInitializers.add(b.view().weightName());
            return dq.getOutput(0);
        }

        /** The int8 weight of {@code b}, its scale (and zero point) and the DequantizeLinear reading them. */
        private OnnxNodeReplacement quantizedWeight(OnnxNodeBinding b, WeightQuantizer q, UnaryOperator<String> names) {
            String wname = b.view().weightName();
            TensorProto w = graph.initializer(wname);
            long[] shape = OnnxTensorProtos.shape(w);
            float[] values = OnnxTensorProtos.floats(w);
            byte[] qv = new byte[values.length];
            int axis = q.axis();
            long inner = 1;
            for (int d = axis + 1; axis >= 0 && d < shape.length; d++) {
                inner *= shape[d];
            }
            long dim = axis >= 0 ? shape[axis] : 1;
            for (int i = 0; i < values.length; i++) {
                int channel = axis < 0 ? 0 : (int) ((i / inner) % dim);
                qv[i] = (byte) q.quantize(values[i], channel);
            }
            String base = wname;
            String qName = names.apply(base + "_quantized");
            String sName = names.apply(base + "_scale");
            String out = names.apply(base + "_dequantized");
            float[] scales = q.scales();
            long[] paramShape = axis < 0 ? new long[0] : new long[] {scales.length};
            List<TensorProto> inits = new ArrayList<>();
            inits.add(OnnxTensorProtos.ofBytes(qName, OnnxTensorProtos.INT8, shape, qv));
            inits.add(OnnxTensorProtos.ofFloats(sName, paramShape, scales));
            List<String> dqInputs = new ArrayList<>(List.of(qName, sName));
            // DequantizeLinear's zero point defaults to 0, so symmetric Conv weights leave it out (smaller
            // file); ORT's Gemm -> QGemm fusion only matches with an explicit weight zero point
            if (!q.symmetric() || !b.view().opType().startsWith("Conv")) {
                int[] zps = q.zeroPoints();
                byte[] z = new byte[zps.length];
                for (int i = 0; i < z.length; i++) {
                    z[i] = (byte) zps[i];
                }
                String zName = names.apply(base + "_zero_point");
                inits.add(OnnxTensorProtos.ofBytes(zName, OnnxTensorProtos.INT8, paramShape, z));
                dqInputs.add(zName);
            }
            return new OnnxNodeReplacement(List.of(node("DequantizeLinear", dqInputs, out, axis)), inits);
        }

        /**
         * A weight rewrite from the model's {@link OnnxRewriteCache} (computed with this rewrite's names on a
         * miss, or when the cached entry's names are taken here); {@code key} names every input of {@code rewrite}.
         */
        private OnnxNodeReplacement cached(Object key, Function<UnaryOperator<String>, OnnxNodeReplacement> rewrite) {
            return cache.get(key, rewrite, r -> OnnxRewriteCache.bytesOf(r.initializers()), this::unique, names::remove);
        }

        /** Rewrites the bias (INT32 + DQ, or float with its shift); returns how it was stored. */
        private String rewriteBias(OnnxNodeBinding b, WeightQuantizer wq) {
            if (b.biasNode() < 0) {
                return "none";
            }
            float[] shift = plan.biasShifts().get(b.id());
            String biasName = b.view().biasName();
            if (biasName == null && shift == null) {
                return "none";
            }
            int channels = biasChannels(b);
            float[] bias = biasName == null ? new float[channels] : OnnxTensorProtos.floats(graph.initializer(biasName));
            NodeProto n = graph.node(b.nodeIndex());
            if (shift != null) {
                // Gemm adds beta * C: the shift must land on the output unscaled
                float beta = n.getOpType().equals("Gemm") ? floatAttribute(n, "beta", 1f) : 1f;
                bias = bias.clone();
                for (int c = 0; c < channels; c++) {
                    bias[c] += shift[c] / beta;
                }
            }
            ActivationQuantizer in = activations.get(n.getInput(0));
            boolean int32 = wq != null && in != null && b.biasNode() == b.nodeIndex()
                    && (n.getOpType().equals("Conv") || n.getOpType().equals("Gemm"))
                    && (b.biasShape() == null || b.biasShape().length == 1);
            if (int32) {
                float[] scales = new float[channels];
                int[] q = new int[channels];
                float[] ws = wq.scales();
                for (int c = 0; c < channels; c++) {
                    scales[c] = in.scale() * ws[wq.axis() < 0 ? 0 : c % ws.length];
                    double v = Math.rint(bias[c] / (double) scales[c]);
                    if (!(Math.abs(v) <= INT32_MAX) || !(scales[c] > 0)) {
                        int32 = false;
                        break;
                    }
                    q[c] = (int) v;
                }
                if (int32) {
                    String base = biasName != null ? biasName : b.id() + "_bias";
                    String qName = unique(base + "_quantized");
                    String sName = unique(base + "_scale");
                    String out = unique(base + "_dequantized");
                    long[] shape = {channels};
                    newInitializers.add(OnnxTensorProtos.ofInts(qName, shape, q));
                    newInitializers.add(OnnxTensorProtos.ofFloats(sName, shape, scales));
                    // zero point 0 is the default of DequantizeLinear: leaving it out saves 4 bytes a channel
                    before.computeIfAbsent(b.nodeIndex(), k -> new ArrayList<>())
                            .add(node("DequantizeLinear", List.of(qName, sName), out, 0));
                    setBiasInput(b, out, biasName);
                    return "int32";
                }
            }
            int[] zero = zeroColumns.get(b.id());
            if (zero != null) {
                // the outlier columns' bias is added in float by OnnxOutlierColumns, so f(0) = 0 here
                bias = bias.clone();
                for (int c : zero) {
                    bias[c] = 0f;
                }
            }
            if (shift == null && zero == null) {
                return "float";
            }
            String name = unique(b.id() + (shift != null ? "_bias_corrected" : "_bias_inliers"));
            long[] shape = b.biasShape() != null ? b.biasShape() : new long[] {channels};
            newInitializers.add(OnnxTensorProtos.ofFloats(name, shape, bias));
            setBiasInput(b, name, biasName);
            return "float";
        }

        private void setBiasInput(OnnxNodeBinding b, String tensor, String oldBias) {
            inputOverrides.computeIfAbsent(b.biasNode(), k -> new HashMap<>()).put(b.biasInput(), tensor);
            if (oldBias != null) {
                replacedInitializers.add(oldBias);
            }
        }

        /** Removes replaced initializers that no node reads any more (shared weights stay while used). */
        private void dropReplacedInitializers(GraphProto.Builder gb) {
            if (replacedInitializers.isEmpty()) {
                return;
            }
            Set<String> used = new HashSet<>();
            for (NodeProto n : gb.getNodeList()) {
                used.addAll(n.getInputList());
                collectSubgraphReads(n, used);
            }
            for (ValueInfoProto o : gb.getOutputList()) {
                used.add(o.getName());
            }
            Set<String> drop = new HashSet<>(replacedInitializers);
            drop.removeAll(used);
            if (drop.isEmpty()) {
                return;
            }
            List<TensorProto> keep = new ArrayList<>();
            for (TensorProto t : gb.getInitializerList()) {
                if (!drop.contains(t.getName())) {
                    keep.add(t);
                }
            }
            List<ValueInfoProto> inputs = new ArrayList<>();
            for (ValueInfoProto v : gb.getInputList()) {
                if (!drop.contains(v.getName())) {
                    inputs.add(v);
                }
            }
            gb.clearInitializer().addAllInitializer(keep).clearInput().addAllInput(inputs);
        }

        private void collectSubgraphReads(NodeProto n, Set<String> out) {
            for (AttributeProto a : n.getAttributeList()) {
                List<GraphProto> graphs = new ArrayList<>(a.getGraphsList());
                if (a.hasG()) {
                    graphs.add(a.getG());
                }
                for (GraphProto sub : graphs) {
                    for (NodeProto sn : sub.getNodeList()) {
                        out.addAll(sn.getInputList());
                        collectSubgraphReads(sn, out);
                    }
                }
            }
        }

        private ValueInfoProto outputInfo(String t) {
            int elemType = graph.hasTensor(t) ? graph.type(t).elemType() : eightBitTypes.get(t);
            ValueInfoProto.Builder v = ValueInfoProto.newBuilder().setName(t);
            if (elemType != 0) {
                v.setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(elemType)));
            }
            return v.build();
        }

        private NodeProto node(String op, List<String> inputs, String output, int axis) {
            addedQdq = true;
            // Q/DQ nodes stay unnamed: names are optional in ONNX, and on big graphs they cost more
            // file size than the quantization parameters themselves
            NodeProto.Builder nb = NodeProto.newBuilder().setOpType(op).setDomain(qdqDomain)
                    .addAllInput(inputs).addOutput(output);
            if (axis >= 0) {
                nb.addAttribute(AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(axis));
            }
            return nb.build();
        }

        private String unique(String base) {
            String n = base;
            for (int k = 1; names.contains(n); k++) {
                n = base + "_" + k;
            }
            names.add(n);
            return n;
        }

        private void writeMetadata(ModelProto.Builder mb) {
            List<StringStringEntryProto> kept = new ArrayList<>();
            for (StringStringEntryProto e : mb.getMetadataPropsList()) {
                if (!e.getKey().startsWith("pot4j.")) {
                    kept.add(e);
                }
            }
            mb.clearMetadataProps().addAllMetadataProps(kept);
            mb.addMetadataProps(entry("pot4j.version", OnnxVersions.pot4j()));
            if (plan.isEmpty() && plan.metadata().isEmpty()) {
                return;
            }
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("format", "QDQ");
            // per encoding (u8_zp0, u8_zp, s8_zp0, s8_zp): what this CPU's kernel table chose
            doc.put("activation_storage", storageCounts);
            if (symmetrized > 0) {
                doc.put("symmetrized_activations", symmetrized);
            }
            if (table != null) {
                doc.put("kernel_table_cpu", table.cpu());
            }
            doc.put("weight", "[bits, axis, scales]");
            doc.put("nodes", summary);
            // activation scales and zero points are in the graph itself (Q/DQ initializers); count them only
            doc.put("quantized_activations", activations.size());
            doc.put("fp32_nodes", new ArrayList<>(plan.fp32Nodes()));
            doc.put("float_islands", floatIslands);
            mb.addMetadataProps(entry("pot4j.quantization", OnnxJson.write(doc)));
            for (Map.Entry<String, String> e : plan.metadata().entrySet()) {
                String key = e.getKey().startsWith("pot4j.") ? e.getKey() : "pot4j." + e.getKey();
                if (!key.equals("pot4j.version") && !key.equals("pot4j.quantization")) {
                    mb.addMetadataProps(entry(key, e.getValue()));
                }
            }
        }

        private StringStringEntryProto entry(String k, String v) {
            return StringStringEntryProto.newBuilder().setKey(k).setValue(v).build();
        }
    }
}
