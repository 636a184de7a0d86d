package org.pot4j.backend.djl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;
import org.pot4j.api.DataType;
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

/**
 * A TorchScript model: the archive in memory, its flattened forward ({@link FlatProgram}) as the
 * graph view, and libtorch (through DJL) to run it. Each {@link #compile} rewrites a copy of the
 * archive ({@link DjlPlanWriter}) and loads it from memory; the loaded model is never changed.
 *
 * <p>Node ids are the module paths of the weights' owners ({@code layer1.0.conv1}); tensor names
 * are the model inputs, the paths of the modules that returned them ({@code layer1.0.relu#2} for a
 * module's second call) or {@code <module path>/<local>} for other intermediate values.
 */
final class DjlModel implements Model {
    private static final Logger LOG = Logger.getLogger(DjlModel.class.getName());
    private static final org.slf4j.Logger SLF4J = org.slf4j.LoggerFactory.getLogger(DjlModel.class);

    private final Path path;
    private final TorchScriptArchive archive;
    private final FlatProgram program;
    private final List<TensorInfo> inputs;
    private List<TensorInfo> outputs;
    private final List<QuantizableNode> nodes;
    private final GraphView view;
    private final DjlModelOptions.Output output;

    DjlModel(Path path, TorchScriptArchive archive, FlatProgram program, List<TensorInfo> inputs, List<String> outputNames,
            DjlModelOptions.Output output) {
        this.output = output;
        this.path = path;
        this.archive = archive;
        this.program = program;
        this.inputs = List.copyOf(inputs);
        List<TensorInfo> outs = new ArrayList<>();
        for (String name : outputNames) {
            outs.add(new TensorInfo(name, DataType.FLOAT32, new long[] {-1}));
        }
        this.outputs = List.copyOf(outs);
        this.view = DjlGraphView.build(program);
        this.nodes = QuantizerPlacement.place(view, DjlGraphView.RULES).nodes();
    }

    /** Zeros of every input's shape with batch 1, or null when a non-batch size is unknown. */
    private Map<String, Tensor> zerosFeed() {
        Map<String, Tensor> feed = new LinkedHashMap<>();
        for (TensorInfo in : inputs) {
            long[] s = in.shape();
            for (int i = 0; i < s.length; i++) {
                if (s[i] < 0) {
                    if (i > 0) {
                        return null; // unknown non-batch size: cannot invent an input
                    }
                    s[i] = 1;
                }
            }
            feed.put(in.name(), Tensor.zeros(s, in.dataType()));
        }
        return feed;
    }

    /** Runs the FP32 model once on zeros to learn the output shapes (batch dimension made dynamic). */
    void probeOutputShapes() {
        Map<String, Tensor> feed = zerosFeed();
        if (feed == null) {
            return;
        }
        try (CompiledModel fp32 = compile(QuantizationPlan.EMPTY, Set.of())) {
            Map<String, Tensor> result = fp32.infer(feed);
            List<TensorInfo> outs = new ArrayList<>();
            for (TensorInfo o : outputs) {
                Tensor t = result.get(o.name());
                long[] s = t.shape();
                if (s.length > 0) {
                    s[0] = -1;
                }
                outs.add(new TensorInfo(o.name(), t.dataType(), s));
            }
            outputs = List.copyOf(outs);
        } catch (Pot4jException e) {
            if (e.code() == ErrorCode.RUNTIME_FAILURE && e.getCause() != null) {
                throw new Pot4jException(ErrorCode.MODEL_UNSUPPORTED, displayName() + " does not run on zeros of its input shapes "
                        + inputs + ": " + e.getMessage() + "; check the model options input_shapes/input_types", e);
            }
            throw e;
        }
    }

    String displayName() {
        return path.getFileName().toString();
    }

    FlatProgram program() {
        return program;
    }

    TorchScriptArchive archive() {
        return archive;
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public String backendName() {
        return DjlBackendProvider.NAME;
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
    public GraphView graph() {
        return view;
    }

    @Override
    public PlacementRules placementRules() {
        return DjlGraphView.RULES;
    }

    @Override
    public Tensor weight(QuantizableNode node) {
        return tensor(node.weightName(), node);
    }

    @Override
    public Tensor bias(QuantizableNode node) {
        return node.biasName() == null ? null : tensor(node.biasName(), node);
    }

    private Tensor tensor(String name, QuantizableNode node) {
        TorchTensorRecord r = program.tensors.get(name);
        if (r == null) {
            throw new Pot4jException(ErrorCode.CONFIG_INVALID, "node '" + node.id() + "' is not a node of " + displayName());
        }
        return Tensor.ofFloats(r.size, r.readFloats(archive));
    }

    @Override
    public CompiledModel compile(QuantizationPlan plan, Set<String> extraOutputs) {
        List<String> taps = new ArrayList<>();
        for (String t : extraOutputs) {
            if (outputs.stream().noneMatch(o -> o.name().equals(t))) { // a model output is returned anyway
                taps.add(t);
            }
        }
        byte[] bytes = plan.isEmpty() && taps.isEmpty() ? original() : DjlPlanWriter.write(this, plan, taps, false);
        List<String> names = new ArrayList<>();
        outputs.forEach(o -> names.add(o.name()));
        names.addAll(taps);
        return new DjlCompiledModel(DjlRuntime.load(bytes, displayName()), inputs, names, displayName());
    }

    private byte[] original() {
        try {
            return Files.readAllBytes(path);
        } catch (IOException e) {
            throw new Pot4jException(ErrorCode.IO_FAILURE, "cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void save(QuantizationPlan plan, Path target) {
        if (nodes.isEmpty() && !program.conditionalOps.isEmpty()) {
            throw new Pot4jException(ErrorCode.MODEL_UNSUPPORTED, displayName() + ": all its conv/linear calls "
                    + program.conditionalOps + " run inside scripted control flow (if/for/while), where pot4j cannot place"
                    + " a quantizer, so there is nothing to quantize; export with torch.jit.trace(model, example_input),"
                    + " which records the straight-line path");
        }
        byte[] bytes = output == DjlModelOptions.Output.FAKE_QUANT ? fakeQuant(plan, target) : int8(plan, target);
        Path abs = target.toAbsolutePath();
        Path tmp = null;
        try {
            Files.createDirectories(abs.getParent());
            tmp = Files.createTempFile(abs.getParent(), "." + abs.getFileName(), ".tmp");
            Files.write(tmp, bytes);
            try {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (java.nio.file.AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            LOG.fine(() -> "wrote " + abs + " (" + bytes.length + " bytes)");
        } catch (IOException e) {
            throw new Pot4jException(ErrorCode.IO_FAILURE, "cannot write " + target + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort: the temp file is hidden and named after the target
                }
            }
        }
    }

    /** The float fake-quant archive (int8 weight storage dequantized in code), validated in libtorch. */
    private byte[] fakeQuant(QuantizationPlan plan, Path target) {
        byte[] bytes = DjlPlanWriter.write(this, plan, List.of(), true);
        DjlRuntime.load(bytes, target.getFileName().toString()).close(); // never write what libtorch rejects
        return bytes;
    }

    /**
     * The archive on quantized kernels, validated by loading it (which prepacks the weights for this
     * CPU's quantized engine) and running it once; when libtorch rejects it (no quantized engine on
     * this CPU), the fake-quant archive instead, with a warning.
     */
    private byte[] int8(QuantizationPlan plan, Path target) {
        DjlInt8Writer.Result r = DjlInt8Writer.write(this, plan);
        String name = target.getFileName().toString();
        try (DjlCompiledModel check = new DjlCompiledModel(DjlRuntime.load(r.bytes(), name), inputs,
                outputs.stream().map(TensorInfo::name).toList(), name)) {
            Map<String, Tensor> feed = zerosFeed();
            if (feed != null) {
                check.infer(feed);
            }
        } catch (Pot4jException e) {
            if (e.code() != ErrorCode.RUNTIME_FAILURE) {
                throw e;
            }
            SLF4J.warn("{}: libtorch cannot run the quantized-kernel model ({}); writing the float fake-quant model"
                    + " instead (model option output: fake_quant)", name, e.getMessage());
            return fakeQuant(plan, target);
        }
        if (!r.floatNodes().isEmpty()) {
            SLF4J.info("{}: {} nodes on quantized kernels, {} kept in float: {}", name, r.int8Nodes(),
                    r.floatNodes().size(), r.floatNodes());
        }
        return r.bytes();
    }

    @Override
    public long sizeOnDisk() {
        try {
            return Files.size(path);
        } catch (IOException e) {
            throw new Pot4jException(ErrorCode.IO_FAILURE, "cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    /** Element types of {@code Tuple[A, B, ...]}. */
    static List<String> tupleElementTypes(String type) {
        List<TsToken> t = TsToken.tokenize(type);
        List<String> out = new ArrayList<>();
        if (t.size() < 3 || !t.get(0).is("Tuple") || !t.get(1).is("[")) {
            return out;
        }
        for (List<TsToken> part : TsToken.splitTopLevel(t, 2, TsToken.matching(t, 1))) {
            out.add(TsToken.join(part).trim());
        }
        return out;
    }

    @Override
    public String toString() {
        return "DjlModel[" + displayName() + ", " + nodes.size() + " quantizable nodes]";
    }
}
