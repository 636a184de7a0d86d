package org.pot4j.backend.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.pot4j.api.DataType;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.Tensor;
import org.pot4j.api.graph.GraphView;
import org.pot4j.api.graph.PlacementRules;
import org.pot4j.api.graph.QuantizerPlacement;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.InputLimit;
import org.pot4j.api.model.InputLimits;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.QuantizableNode;
import org.pot4j.api.model.SuffixRuns;
import org.pot4j.api.model.TensorInfo;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.backend.onnx.proto.OnnxProtos.ModelProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.TensorProto;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A loaded FP32 ONNX model: the normalized graph, its quantizable nodes, and the QDQ writer that
 * {@link #compile} and {@link #save} share. The loaded proto is never modified; each plan is applied
 * to a fresh copy.
 */
final class OnnxModel implements Model, InputLimits, SuffixRuns {
    private static final Logger LOG = LoggerFactory.getLogger(OnnxModel.class);
    /** Sessions are built from one serialized proto, which protobuf caps at 2 GiB. */
    private static final long MAX_TENSOR_BYTES = 1800L << 20;

    private final Path path;
    private final OrtEnvironment env;
    private final OnnxSessionSettings settings;
    private final OnnxGraph graph;
    private final List<OnnxNodeBinding> bindings;
    private final Map<String, OnnxNodeBinding> byId;
    private final GraphView view;
    private final OnnxQdqWriter writer;
    private final QuantizerPlacement.Placement placement;
    private final List<TensorInfo> inputs;
    private final List<TensorInfo> outputs;
    private final long sizeOnDisk;
    private final long externalThreshold;
    private final OnnxSuffixCutter cutter;

    OnnxModel(Path path, OrtEnvironment env, OnnxSessionSettings settings, ModelProto normalized, long sizeOnDisk,
              long externalThreshold) {
        long tensorBytes = normalized.getGraph().getInitializerList().stream().mapToLong(OnnxTensorProtos::dataBytes).sum();
        if (tensorBytes > MAX_TENSOR_BYTES) {
            throw new Pot4jException(ErrorCode.MODEL_UNSUPPORTED, path + " holds " + tensorBytes / (1 << 20)
                    + " MiB of weights; the onnx backend handles models up to " + MAX_TENSOR_BYTES / (1 << 20)
                    + " MiB (one protobuf message per session)");
        }
        this.path = path;
        this.env = env;
        this.settings = settings;
        this.graph = OnnxGraph.create(normalized, env, path);
        OnnxGraphView.Built built = OnnxGraphView.build(graph);
        this.view = built.view();
        QuantizerPlacement.Placement placement = QuantizerPlacement.place(view, OnnxGraphView.RULES);
        List<OnnxNodeBinding> bs = new ArrayList<>();
        for (int k = 0; k < placement.nodes().size(); k++) {
            int i = placement.positions().get(k);
            OnnxGraphView.Slots s = built.slots().get(i);
            bs.add(new OnnxNodeBinding(placement.nodes().get(k), i, s.weightInput(), s.biasNode(), s.biasInput(), s.biasShape()));
        }
        this.bindings = List.copyOf(bs);
        this.byId = bindings.stream().collect(Collectors.toMap(OnnxNodeBinding::id, Function.identity()));
        this.placement = placement;
        this.writer = new OnnxQdqWriter(graph, bindings, placement, () -> OnnxKernelTables.forThisCpu(env),
                new OnnxRewriteCache(OnnxRewriteCache.capacityFor(tensorBytes)));
        this.inputs = infos(graph.inputs());
        this.outputs = infos(graph.outputs());
        this.sizeOnDisk = sizeOnDisk;
        this.externalThreshold = externalThreshold;
        this.cutter = new OnnxSuffixCutter(graph, writer, env, settings, path.getFileName().toString());
    }

    @Override
    public Path path() {
        return path;
    }

    /** The model file and its external data files (for --resume's input check). */
    private volatile List<Path> sourceFiles;

    void sourceFiles(List<Path> files) {
        this.sourceFiles = List.copyOf(files);
    }

    @Override
    public List<Path> sourceFiles() {
        return sourceFiles != null ? sourceFiles : List.of(path);
    }

    @Override
    public String backendName() {
        return OnnxBackendProvider.NAME;
    }

    @Override
    public List<TensorInfo> inputs() {
        return inputs;
    }

    @Override
    public List<TensorInfo> outputs() {
        return outputs;
    }

    /** Token-id and sequence-length bounds from the embedding tables ({@link OnnxInputLimits}). */
    @Override
    public List<InputLimit> inputLimits() {
        return OnnxInputLimits.of(graph);
    }

    /**
     * {@inheritDoc}
     *
     * @throws Pot4jException {@code NO_QUANTIZABLE_NODES} when the model has nothing to quantize
     *                        (no Conv/ConvTranspose/Gemm/MatMul with a constant weight, or it is
     *                        already quantized); loading, running and saving such a model still work
     */
    @Override
    public List<QuantizableNode> quantizableNodes() {
        if (graph.isAlreadyQuantized()) {
            throw new Pot4jException(ErrorCode.NO_QUANTIZABLE_NODES, path + " is already quantized (it has "
                    + "QuantizeLinear/DequantizeLinear or integer ops); give pot4j the FP32 model");
        }
        if (bindings.stream().noneMatch(b -> b.view().hasWeight())) {
            throw new Pot4jException(ErrorCode.NO_QUANTIZABLE_NODES, path + " has no node pot4j can quantize "
                    + "(Conv, ConvTranspose, Gemm or MatMul with a constant weight); there is nothing to do");
        }
        return bindings.stream().map(OnnxNodeBinding::view).toList();
    }

    @Override
    public Tensor weight(QuantizableNode node) {
        OnnxNodeBinding b = binding(node);
        if (!b.view().hasWeight()) {
            throw new IllegalArgumentException("node '" + node.id() + "' has no weight");
        }
        TensorProto t = graph.initializer(b.view().weightName());
        return Tensor.ofFloats(OnnxTensorProtos.shape(t), OnnxTensorProtos.floats(t));
    }

    @Override
    public Tensor bias(QuantizableNode node) {
        OnnxNodeBinding b = binding(node);
        if (b.view().biasName() == null) {
            return null;
        }
        float[] v = OnnxTensorProtos.floats(graph.initializer(b.view().biasName()));
        return Tensor.ofFloats(new long[] {v.length}, v);
    }

    @Override
    public CompiledModel compile(QuantizationPlan plan, Set<String> extraOutputs) {
        return compile(plan, extraOutputs, settings);
    }

    /** {@inheritDoc} Without a thread count set, each session gets its share of the cores ({@link OnnxSessionSettings#forConcurrentRuns}). */
    @Override
    public CompiledModel compile(QuantizationPlan plan, Set<String> extraOutputs, int concurrentRuns) {
        return compile(plan, extraOutputs, settings.forConcurrentRuns(concurrentRuns, Runtime.getRuntime().availableProcessors()));
    }

    /** Compiles with other session settings (e.g. to dump ORT's optimized graph). */
    CompiledModel compile(QuantizationPlan plan, Set<String> extraOutputs, OnnxSessionSettings with) {
        long t0 = System.nanoTime();
        ModelProto applied = writer.apply(plan, extraOutputs);
        long t1 = System.nanoTime();
        byte[] bytes = applied.toByteArray();
        long t2 = System.nanoTime();
        List<String> names = new ArrayList<>(graph.outputs());
        for (String t : extraOutputs) {
            if (!names.contains(t)) {
                names.add(t);
            }
        }
        try (OrtSession.SessionOptions so = with.toSessionOptions()) {
            OrtSession session = env.createSession(bytes, so);
            long t3 = System.nanoTime();
            if (LOG.isDebugEnabled()) {
                LOG.debug("compiled {} ({} nodes, {} extra outputs): write {} ms, serialize {} ms ({} KiB), session {} ms",
                        path.getFileName(), applied.getGraph().getNodeCount(), extraOutputs.size(), OnnxTimings.ms(t1 - t0),
                        OnnxTimings.ms(t2 - t1), bytes.length >> 10, OnnxTimings.ms(t3 - t2));
            }
            return new OnnxCompiledModel(env, session, path.getFileName().toString(), inputs, names);
        } catch (OrtException e) {
            throw new Pot4jException(ErrorCode.RUNTIME_FAILURE, "ONNX Runtime cannot build a session for "
                    + path.getFileName() + " with " + plan + " (" + OnnxGraph.firstLine(e.getMessage()) + ")", e);
        }
    }

    /**
     * Compiles with the activation storage chosen from {@code table} instead of this CPU's measured
     * one (null: uint8 everywhere), for tests and tools that compare storages.
     */
    CompiledModel compileWithKernelTable(QuantizationPlan plan, OnnxKernelTable table) {
        byte[] bytes = appliedWithKernelTable(plan, table).toByteArray();
        try (OrtSession.SessionOptions so = settings.toSessionOptions()) {
            return new OnnxCompiledModel(env, env.createSession(bytes, so), path.getFileName().toString(), inputs,
                    graph.outputs());
        } catch (OrtException e) {
            throw new Pot4jException(ErrorCode.RUNTIME_FAILURE, "ONNX Runtime cannot build a session for "
                    + path.getFileName() + " (" + OnnxGraph.firstLine(e.getMessage()) + ")", e);
        }
    }

    /** The model with {@code plan} applied and activations stored as {@code table} says (null: uint8). */
    ModelProto appliedWithKernelTable(QuantizationPlan plan, OnnxKernelTable table) {
        return new OnnxQdqWriter(graph, bindings, placement, () -> table).apply(plan, Set.of());
    }

    /** {@inheritDoc} The two plans are written as QDQ graphs and compared node by node, see {@link OnnxSuffixCutter}. */
    /** {@link OnnxSuffixCutter#suffix} swaps its base plan's index atomically and shares nothing else. */
    @Override
    public boolean concurrentSuffixes() {
        return true;
    }

    @Override
    public Suffix suffix(QuantizationPlan base, QuantizationPlan variant) {
        return cutter.suffix(base, variant);
    }

    @Override
    public void save(QuantizationPlan plan, Path target) {
        ModelProto applied = writer.apply(plan, Set.of());
        new OnnxModelWriter(externalThreshold).write(applied, target);
        LOG.info("wrote {}", target);
    }

    @Override
    public Map<String, String> floatOps(QuantizationPlan plan) {
        return plan == null || plan.isEmpty() ? Map.of() : new java.util.TreeMap<>(writer.floatIslands(plan));
    }

    @Override
    public long sizeOnDisk() {
        return sizeOnDisk;
    }

    /** The graph as loaded and normalized (for tests and tools). */
    OnnxGraph onnxGraph() {
        return graph;
    }

    @Override
    public GraphView graph() {
        return view;
    }

    @Override
    public PlacementRules placementRules() {
        return OnnxGraphView.RULES;
    }

    /** The model with {@code plan} applied, as the writer produces it (for tests and tools). */
    ModelProto applied(QuantizationPlan plan) {
        return writer.apply(plan, Set.of());
    }

    /** As {@link #applied} by a writer without the rewrite cache (for tests that compare the two). */
    ModelProto appliedUncached(QuantizationPlan plan) {
        return new OnnxQdqWriter(graph, bindings, placement, () -> OnnxKernelTables.forThisCpu(env)).apply(plan, Set.of());
    }

    /** The writer's rewrite cache (for tests). */
    OnnxRewriteCache rewriteCache() {
        return writer.cache();
    }

    private OnnxNodeBinding binding(QuantizableNode node) {
        OnnxNodeBinding b = byId.get(node.id());
        if (b == null) {
            throw new IllegalArgumentException("node '" + node.id() + "' is not a quantizable node of " + path);
        }
        return b;
    }

    private List<TensorInfo> infos(List<String> names) {
        List<TensorInfo> out = new ArrayList<>();
        for (String n : names) {
            OnnxGraph.ValueType vt = graph.type(n);
            DataType dt = OnnxTensorProtos.apiType(vt.elemType());
            if (dt == null) {
                throw new Pot4jException(ErrorCode.MODEL_UNSUPPORTED, path + ": tensor '" + n + "' has ONNX type "
                        + TensorProto.DataType.forNumber(vt.elemType()) + "; pot4j moves float32/64, int64/32/8, uint8 and bool");
            }
            out.add(new TensorInfo(n, dt, vt.shape() == null ? new long[0] : vt.shape()));
        }
        return List.copyOf(out);
    }
}
