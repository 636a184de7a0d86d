package org.pot4j.backend.tensorflow;

import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.pot4j.api.DataType;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Output;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;

/**
 * Reads a SavedModel folder or a frozen GraphDef file into a {@link TfGraphSource}: one flat,
 * frozen graph plus its inputs and outputs. Every problem a user can cause becomes one
 * {@link Pot4jException} that names the file and the fix.
 */
final class TfModelReader {
    /** File name of a SavedModel's graph. */
    static final String SAVED_MODEL_PB = "saved_model.pb";
    private static final String INIT_OP_SIGNATURE = "__saved_model_init_op";
    /** Ops that never count as model outputs when a frozen graph's outputs are inferred. */
    private static final Set<String> NOT_OUTPUTS = Set.of("Const", "Placeholder", "PlaceholderWithDefault", "NoOp",
            "Assert", "VarHandleOp", "VariableV2", "Variable", "SaveV2", "RestoreV2", "Assign", "AssignVariableOp");
    private static final Set<String> VARIABLE_OPS = Set.of("VarHandleOp", "VariableV2", "Variable");

    private TfModelReader() {
    }

    /** Reads a SavedModel folder or a frozen {@code .pb}. */
    static TfGraphSource read(Path path, TfLoadOptions options) {
        if (!Files.exists(path)) {
            throw new Pot4jException(ErrorCode.FILE_NOT_FOUND, path + " does not exist: give a SavedModel folder or a frozen .pb file");
        }
        if (Files.isDirectory(path)) {
            return readSavedModel(path, options);
        }
        if (path.getFileName().toString().equals(SAVED_MODEL_PB)) {
            return readSavedModel(path.toAbsolutePath().getParent(), options);
        }
        return readFrozenGraph(path, options);
    }

    // ---------------------------------------------------------------- SavedModel

    private static TfGraphSource readSavedModel(Path dir, TfLoadOptions options) {
        Path pb = dir.resolve(SAVED_MODEL_PB);
        if (!Files.isRegularFile(pb)) {
            if (Files.isRegularFile(dir.resolve("saved_model.pbtxt"))) {
                throw new Pot4jException(ErrorCode.MODEL_UNSUPPORTED, dir + " holds a text saved_model.pbtxt; pot4j reads binary"
                        + " SavedModels: re-save it with tf.saved_model.save");
            }
            throw new Pot4jException(ErrorCode.MODEL_CORRUPT, dir + " is not a SavedModel: it has no saved_model.pb; point the"
                    + " model path at the folder tf.saved_model.save wrote (saved_model.pb + variables/) or at a frozen .pb file");
        }
        SavedModel saved;
        try {
            saved = SavedModel.parseFrom(Files.readAllBytes(pb));
        } catch (InvalidProtocolBufferException e) {
            throw new Pot4jException(ErrorCode.MODEL_CORRUPT, pb + " is not a valid SavedModel (" + TfErrors.firstLine(e)
                    + "); re-export the model", e);
        } catch (IOException e) {
            throw new Pot4jException(ErrorCode.FILE_NOT_FOUND, pb + " cannot be read: " + e.getMessage(), e);
        }
        MetaGraphDef meta = metaGraph(saved, options.tags(), pb);
        SignatureDef sig = meta.getSignatureDefMap().get(options.signature());
        if (sig == null) {
            Set<String> available = new TreeSet<>(meta.getSignatureDefMap().keySet());
            available.remove(INIT_OP_SIGNATURE);
            throw new Pot4jException(ErrorCode.MODEL_UNSUPPORTED, dir + " has no signature '" + options.signature()
                    + "'; available signatures: " + available + " (set the model option signature)");
        }
        List<TfEndpoint> inputs = endpoints(sig.getInputsMap(), "input", dir, options.signature());
        List<TfEndpoint> outputs = endpoints(sig.getOutputsMap(), "output", dir, options.signature());
        if (inputs.isEmpty() || outputs.isEmpty()) {
            throw new Pot4jException(ErrorCode.MODEL_UNSUPPORTED, dir + ": signature '" + options.signature()
                    + "' has no " + (inputs.isEmpty() ? "inputs" : "outputs") + "; choose a prediction signature");
        }
        List<String> roots = roots(inputs, outputs);
        for (MetaGraphDef m : saved.getMetaGraphsList()) {
            TfGraphChecks.check(m.getGraphDef(), pb);
        }
        GraphDef frozen;
        try (SavedModelBundle bundle = loadBundle(dir, options.tags())) {
            GraphDef flat;
            try {
                flat = TfFunctionInliner.inline(bundle.metaGraphDef().getGraphDef(), roots);
            } catch (IllegalArgumentException e) {
                throw new Pot4jException(ErrorCode.MODEL_UNSUPPORTED, dir + ": cannot flatten the functions of signature '"
                        + options.signature() + "': " + e.getMessage(), e);
            }
            TfVariableFreezer.Checkpoint checkpoint = new TfVariableFreezer.Checkpoint(
                    dir.resolve("variables").resolve("variables"), TfCheckpoint.capturedVariableKeys(bundle.metaGraphDef()));
            frozen = TfVariableFreezer.freeze(flat, bundle.session(), checkpoint, roots, dir);
        }
        return finish(frozen, inputs, outputs, TfGraphSource.Format.SAVED_MODEL, dir);
    }

    private static MetaGraphDef metaGraph(SavedModel saved, List<String> tags, Path pb) {
        List<Set<String>> available = new ArrayList<>();
        for (MetaGraphDef m : saved.getMetaGraphsList()) {
            Set<String> t = new TreeSet<>(m.getMetaInfoDef().getTagsList());
            if (t.equals(new TreeSet<>(tags))) {
                return m;
            }
            available.add(t);
        }
        throw new Pot4jException(ErrorCode.MODEL_UNSUPPORTED, pb + " has no meta graph tagged " + new TreeSet<>(tags)
                + "; available tag sets: " + available + " (set the model option tags)");
    }

    private static SavedModelBundle loadBundle(Path dir, List<String> tags) {
        try {
            return SavedModelBundle.loader(dir.toString()).withTags(tags.toArray(String[]::new)).load();
        } catch (RuntimeException e) {
            String msg = TfErrors.firstLine(e);
            boolean variables = msg.toLowerCase(java.util.Locale.ROOT).matches(".*(variable|checkpoint|restore|tensor bundle|data loss|index).*");
            throw new Pot4jException(ErrorCode.MODEL_CORRUPT, dir + (variables
                    ? ": variables failed to restore (" + msg + "); variables/ is missing, damaged or from another model - re-export the SavedModel"
                    : ": TensorFlow cannot load the SavedModel (" + msg + "); re-export it"), e);
        }
    }

    private static List<TfEndpoint> endpoints(Map<String, TensorInfo> map, String what, Path dir, String signature) {
        List<TfEndpoint> out = new ArrayList<>();
        for (Map.Entry<String, TensorInfo> e : map.entrySet()) {
            TensorInfo info = e.getValue();
            if (info.getName().isEmpty()) {
                throw new Pot4jException(ErrorCode.MODEL_UNSUPPORTED, dir + ": " + what + " '" + e.getKey() + "' of signature '"
                        + signature + "' is a sparse or composite tensor; pot4j supports dense tensors only");
            }
            DataType type = supportedType(info.getDtype(), what + " '" + e.getKey() + "'", dir);
            long[] shape = TfTensors.dims(info.getTensorShape());
            out.add(new TfEndpoint(e.getKey(), TfNames.canonical(info.getName()), type, shape == null ? new long[0] : shape));
        }
        return out;
    }

    // ---------------------------------------------------------------- frozen GraphDef

    private static TfGraphSource readFrozenGraph(Path file, TfLoadOptions options) {
        GraphDef graph;
        try {
            graph = GraphDef.parseFrom(Files.readAllBytes(file));
        } catch (InvalidProtocolBufferException e) {
            throw new Pot4jException(ErrorCode.MODEL_CORRUPT, file + " is not a TensorFlow GraphDef (" + TfErrors.firstLine(e)
                    + "); give a frozen .pb or a SavedModel folder", e);
        } catch (IOException e) {
            throw new Pot4jException(ErrorCode.FILE_NOT_FOUND, file + " cannot be read: " + e.getMessage(), e);
        }
        if (graph.getNodeCount() == 0 || graph.getNodeList().stream().anyMatch(n -> n.getName().isEmpty() || n.getOp().isEmpty())) {
            throw new Pot4jException(ErrorCode.MODEL_CORRUPT, file + " is not a TensorFlow GraphDef (no named nodes);"
                    + " give a frozen .pb or a SavedModel folder");
        }
        TfGraphChecks.check(graph, file);
        Map<String, NodeDef> nodes = TfGraphDefs.index(graph);
        try (Graph g = importGraph(graph, file)) {
            List<String> inputNames = options.inputs().isEmpty() ? placeholders(graph) : options.inputs();
            if (inputNames.isEmpty()) {
                throw new Pot4jException(ErrorCode.MODEL_UNSUPPORTED, file + " has no Placeholder op; name the model's inputs"
                        + " with the model option inputs");
            }
            List<String> outputNames = options.outputs().isEmpty() ? sinks(g, TfConstants.of(graph)) : options.outputs();
            if (outputNames.isEmpty()) {
                throw new Pot4jException(ErrorCode.MODEL_UNSUPPORTED, file + ": cannot tell the model's outputs; name them with"
                        + " the model option outputs");
            }
            List<TfEndpoint> inputs = new ArrayList<>();
            for (String name : inputNames) {
                inputs.add(endpoint(g, name, "input", file, nodes, graph));
            }
            List<TfEndpoint> outputs = new ArrayList<>();
            for (String name : outputNames) {
                outputs.add(endpoint(g, name, "output", file, nodes, graph));
            }
            List<String> roots = roots(inputs, outputs);
            GraphDef pruned;
            try {
                pruned = TfFunctionInliner.inline(graph, roots);
            } catch (IllegalArgumentException e) {
                throw new Pot4jException(ErrorCode.MODEL_UNSUPPORTED, file + ": cannot flatten its functions: " + e.getMessage(), e);
            }
            pruned = TfGraphDefs.prune(TfVariableFreezer.dropControlEdgesOnConstants(pruned), roots);
            for (NodeDef n : pruned.getNodeList()) {
                if (VARIABLE_OPS.contains(n.getOp())) {
                    throw new Pot4jException(ErrorCode.MODEL_UNSUPPORTED, file + " is not frozen: it reads variable " + n.getName()
                            + "; freeze it (convert_variables_to_constants_v2) or give the SavedModel folder instead");
                }
            }
            return finish(pruned, inputs, outputs, TfGraphSource.Format.FROZEN_GRAPH, file);
        }
    }

    private static List<String> placeholders(GraphDef graph) {
        List<String> out = new ArrayList<>();
        for (NodeDef n : graph.getNodeList()) {
            if (n.getOp().equals("Placeholder")) {
                out.add(n.getName());
            }
        }
        return out;
    }

    /** Outputs of the ops nothing reads that compute something from the inputs (not constants). */
    private static List<String> sinks(Graph g, Set<String> constants) {
        List<String> out = new ArrayList<>();
        for (Iterator<GraphOperation> it = g.operations(); it.hasNext(); ) {
            GraphOperation op = it.next();
            if (NOT_OUTPUTS.contains(op.type()) || op.type().startsWith("Save") || op.type().startsWith("Restore")
                    || constants.contains(op.name())) {
                continue;
            }
            if (op.numConsumers() > 0) {
                continue; // an op some of whose outputs are read (e.g. a batch norm's unused statistics) is no sink
            }
            for (int i = 0; i < op.numOutputs(); i++) {
                out.add(TfNames.input(op.name(), i));
            }
        }
        return out;
    }

    private static TfEndpoint endpoint(Graph g, String name, String what, Path file, Map<String, NodeDef> nodes, GraphDef graph) {
        GraphOperation op = g.operation(TfNames.opName(name));
        int index = TfNames.outputIndex(name);
        if (op == null || index >= op.numOutputs()) {
            List<String> hint = what.equals("input") ? placeholders(graph) : sinks(g, TfConstants.of(graph));
            throw new Pot4jException(ErrorCode.CONFIG_INVALID, file + " has no tensor '" + name + "' for model " + what
                    + "; candidates: " + hint);
        }
        Output<?> out = op.output(index);
        DataType type = supportedType(out.dataType(), what + " '" + name + "'", file);
        long[] shape = out.shape().isUnknown() ? new long[0] : out.shape().asArray();
        String key = TfNames.input(op.name(), index);
        return new TfEndpoint(key, TfNames.tensor(op.name(), index), type, shape);
    }

    // ---------------------------------------------------------------- both

    /** What pruning keeps: the outputs and every input, even one the outputs ignore (it is still fed). */
    private static List<String> roots(List<TfEndpoint> inputs, List<TfEndpoint> outputs) {
        List<String> roots = new ArrayList<>();
        outputs.forEach(e -> roots.add(e.tensor()));
        inputs.forEach(e -> roots.add(e.tensor()));
        return roots;
    }

    /** Folds batch norms, checks the flat graph imports, fills shapes the signature left unknown, and packs the result. */
    private static TfGraphSource finish(GraphDef flat, List<TfEndpoint> inputs, List<TfEndpoint> outputs,
                                        TfGraphSource.Format format, Path path) {
        GraphDef graph = TfGraphDefs.prune(TfScaleFolder.fold(TfGraphDefs.withoutPlacement(flat), path), roots(inputs, outputs));
        try (Graph g = importGraph(graph, path)) {
            Set<String> ops = new HashSet<>();
            for (Iterator<GraphOperation> it = g.operations(); it.hasNext(); ) {
                ops.add(it.next().name());
            }
            Set<String> missing = new LinkedHashSet<>();
            for (TfEndpoint e : inputs) {
                if (!ops.contains(TfNames.opName(e.tensor()))) {
                    missing.add(e.key());
                }
            }
            if (!missing.isEmpty()) {
                throw new Pot4jException(ErrorCode.MODEL_CORRUPT, path + ": inputs " + missing
                        + " name tensors the graph does not have; re-export the model");
            }
            return new TfGraphSource(graph, withShapes(inputs, g), withShapes(outputs, g), format);
        }
    }

    private static List<TfEndpoint> withShapes(List<TfEndpoint> endpoints, Graph g) {
        List<TfEndpoint> out = new ArrayList<>();
        for (TfEndpoint e : endpoints) {
            if (e.shape().length > 0) {
                out.add(e);
                continue;
            }
            GraphOperation op = g.operation(TfNames.opName(e.tensor()));
            long[] shape = op == null || op.output(TfNames.outputIndex(e.tensor())).shape().isUnknown()
                    ? new long[0] : op.output(TfNames.outputIndex(e.tensor())).shape().asArray();
            out.add(new TfEndpoint(e.key(), e.tensor(), e.dataType(), shape));
        }
        return out;
    }

    /** A TensorFlow graph holding {@code graph}; the caller closes it. */
    static Graph importGraph(GraphDef graph, Path path) {
        Graph g = new Graph();
        try {
            g.importGraphDef(graph);
            return g;
        } catch (RuntimeException e) {
            g.close();
            throw new Pot4jException(ErrorCode.MODEL_UNSUPPORTED, path + ": TensorFlow " + org.tensorflow.TensorFlow.version()
                    + " cannot build the graph (" + TfErrors.firstLine(e) + "); it may use ops of a newer TensorFlow or a custom op library", e);
        }
    }

    private static DataType supportedType(org.tensorflow.proto.DataType type, String what, Path path) {
        return TfDataTypes.toPot4j(type).orElseThrow(() -> new Pot4jException(ErrorCode.MODEL_UNSUPPORTED, path + ": " + what
                + " has type " + TfDataTypes.readable(type) + "; pot4j exchanges float32, float64, int32, int64, uint8 and bool tensors"
                + " - wrap the model so that this tensor has one of those types"));
    }
}
