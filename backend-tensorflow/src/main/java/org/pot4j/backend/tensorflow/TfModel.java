package org.pot4j.backend.tensorflow;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.Tensor;
import org.pot4j.api.graph.GraphView;
import org.pot4j.api.graph.PlacementRules;
import org.pot4j.api.graph.QuantizerPlacement;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.QuantizableNode;
import org.pot4j.api.model.TensorInfo;
import org.pot4j.api.quant.QuantizationPlan;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.proto.ConfigProto;

/**
 * A TensorFlow model held as one frozen graph (SavedModels are flattened and their variables
 * frozen at load time). The original graph is never changed: every {@link #compile} and
 * {@link #save} rewrites a copy. Weights are read from a small analysis session over the frozen
 * graph and cached.
 */
final class TfModel implements Model {
    private static final System.Logger LOG = System.getLogger(TfModel.class.getName());
    private final Path path;
    private final TfGraphSource source;
    private final String signatureKey;
    private final ConfigProto config;
    private final TfLoadOptions.Output output;
    private final Graph analysis;
    private final Session session;
    private final List<TfNodeInfo> nodes;
    private final GraphView view;
    private final Map<String, TfNodeInfo> byId = new LinkedHashMap<>();
    private final Map<String, Tensor> values = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    TfModel(Path path, TfGraphSource source, String signatureKey, ConfigProto config, TfLoadOptions.Output output) {
        this.path = path;
        this.output = output;
        this.source = source;
        this.signatureKey = signatureKey;
        this.config = config;
        this.analysis = TfModelReader.importGraph(source.graph(), path);
        try {
            Set<String> outputs = new java.util.HashSet<>();
            source.outputs().forEach(o -> outputs.add(o.tensor()));
            TfGraphView.Built built = TfGraphView.build(source.graph(), analysis, outputs);
            this.view = built.view();
            List<TfNodeInfo> infos = new java.util.ArrayList<>();
            for (QuantizableNode q : QuantizerPlacement.place(view, TfGraphView.RULES).nodes()) {
                TfGraphView.Slots s = built.weighted().getOrDefault(q.id(), TfGraphView.Slots.NONE);
                infos.add(new TfNodeInfo(q, s.weightInput(), s.weightTensor(), s.biasOp(), s.biasInput(), s.biasTensor()));
            }
            this.nodes = List.copyOf(infos);
            this.session = new Session(analysis, config);
        } catch (RuntimeException e) {
            analysis.close();
            throw e;
        }
        nodes.forEach(n -> byId.put(n.op(), n));
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public GraphView graph() {
        return view;
    }

    @Override
    public PlacementRules placementRules() {
        return TfGraphView.RULES;
    }

    @Override
    public String backendName() {
        return TfBackendProvider.NAME;
    }

    @Override
    public List<TensorInfo> inputs() {
        return source.inputs().stream().map(TfEndpoint::info).toList();
    }

    @Override
    public List<TensorInfo> outputs() {
        return source.outputs().stream().map(TfEndpoint::info).toList();
    }

    @Override
    public List<QuantizableNode> quantizableNodes() {
        return nodes.stream().map(TfNodeInfo::node).toList();
    }

    @Override
    public Tensor weight(QuantizableNode node) {
        TfNodeInfo info = info(node);
        if (info.weightTensor() == null) {
            throw new IllegalArgumentException("node " + node.id() + " of " + path + " has no weight");
        }
        return value(info.weightTensor());
    }

    @Override
    public Tensor bias(QuantizableNode node) {
        TfNodeInfo info = info(node);
        return info.biasTensor() == null ? null : value(info.biasTensor());
    }

    @Override
    public CompiledModel compile(QuantizationPlan plan, Set<String> extraOutputs) {
        checkOpen();
        TfPlanApplier.Result rewritten = rewrite(plan, extraOutputs);
        if (extraOutputs == null || extraOutputs.isEmpty()) {
            // evaluation and benchmarks run what save() writes; statistics runs (extra outputs) need the float tensors
            rewritten = lowered(rewritten, plan);
        }
        return new TfCompiledModel(rewritten, source.inputs(), source.outputs(), config, path);
    }

    /**
     * Writes the quantized model: a frozen GraphDef when {@code target} ends with {@code .pb},
     * otherwise a SavedModel folder (signature key and input/output keys as loaded).
     */
    @Override
    public void save(QuantizationPlan plan, Path target) {
        checkOpen();
        TfPlanApplier.Result rewritten = lowered(rewrite(plan, Set.of()), plan);
        if (target.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".pb")) {
            TfModelWriter.writeGraphDef(rewritten.graph(), target);
        } else {
            TfModelWriter.writeSavedModel(rewritten.graph(), signatureKey, source.inputs(), source.outputs(),
                    rewritten.outputTensors(), plan.metadata(), target);
        }
    }

    @Override
    public long sizeOnDisk() {
        return TfModelWriter.sizeOnDisk(path);
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            session.close();
            analysis.close();
        }
    }

    /** The format the model was read from. */
    TfGraphSource.Format format() {
        return source.format();
    }

    /** The int8-kernel form of a rewritten graph (unless the model option asks for fake quantization). */
    private TfPlanApplier.Result lowered(TfPlanApplier.Result r, QuantizationPlan plan) {
        if (output != TfLoadOptions.Output.INT8 || plan.weights().isEmpty() && plan.activations().isEmpty()) {
            return r;
        }
        List<String> roots = new java.util.ArrayList<>(r.outputTensors());
        source.inputs().forEach(in -> roots.add(in.tensor()));
        TfInt8Lowering.Result l = TfInt8Lowering.lower(r.graph(), roots, TfInt8Kernels.probe());
        if (!l.kept().isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "{0}: {1} ops on int8 kernels, {2} kept in float: {3}", path, l.lowered().size(),
                    l.kept().size(), l.kept());
        }
        return new TfPlanApplier.Result(l.graph(), r.outputTensors(), r.extraTensors());
    }

    private TfPlanApplier.Result rewrite(QuantizationPlan plan, Set<String> extraOutputs) {
        return TfPlanApplier.apply(source, nodes, analysis, info -> value(info.weightTensor()), info -> value(info.biasTensor()),
                plan, extraOutputs == null ? Set.of() : extraOutputs);
    }

    private TfNodeInfo info(QuantizableNode node) {
        TfNodeInfo info = byId.get(node.id());
        if (info == null) {
            throw new IllegalArgumentException("node " + node.id() + " is not a quantizable node of " + path);
        }
        return info;
    }

    /** Evaluates a constant tensor of the frozen graph (weights, biases), once. */
    private Tensor value(String tensor) {
        checkOpen();
        return values.computeIfAbsent(tensor, t -> {
            try (Result r = session.runner().fetch(t).run()) {
                return TfTensors.fromTf(r.get(0));
            } catch (RuntimeException e) {
                throw new Pot4jException(ErrorCode.RUNTIME_FAILURE, path + ": cannot read constant " + t + " ("
                        + TfErrors.firstLine(e) + ")", e);
            }
        });
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("model " + path + " is closed");
        }
    }
}
