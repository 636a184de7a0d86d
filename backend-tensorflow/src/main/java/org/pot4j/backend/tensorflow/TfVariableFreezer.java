package org.pot4j.backend.tensorflow;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.GraphOperationBuilder;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;

/**
 * Turns variable reads into constants holding the values a session restored, as TensorFlow's
 * {@code convert_variables_to_constants_v2} does: {@code ReadVariableOp} of a {@code VarHandleOp}
 * (TF2, Keras) and TF1 {@code VariableV2} nodes become {@code Const} nodes of the same name.
 */
final class TfVariableFreezer {
    private static final System.Logger LOG = System.getLogger(TfVariableFreezer.class.getName());
    private static final Set<String> HANDLE_FORWARDERS = Set.of("Identity", "IdentityN");
    private static final Set<String> REF_VARIABLES = Set.of("VariableV2", "Variable");

    private TfVariableFreezer() {
    }

    /**
     * The graph that {@code roots} need, with every variable they read frozen to its value in
     * {@code session} (whose graph holds the same variable nodes by name) or in {@code checkpoint}.
     *
     * @throws Pot4jException {@code MODEL_UNSUPPORTED} when a variable is used other than by reading it
     */
    static GraphDef freeze(GraphDef graph, Session session, Checkpoint checkpoint, Collection<String> roots, Path modelPath) {
        Map<String, NodeDef> nodes = TfGraphDefs.index(graph);
        Map<String, String> readToVariable = new LinkedHashMap<>();
        Map<String, NodeDef> variables = new LinkedHashMap<>();
        for (NodeDef n : graph.getNodeList()) {
            if (n.getOp().equals("ReadVariableOp")) {
                NodeDef handle = handleSource(n.getInput(0), nodes, modelPath);
                readToVariable.put(n.getName(), handle.getName());
                variables.put(handle.getName(), handle);
            } else if (REF_VARIABLES.contains(n.getOp())) {
                variables.put(n.getName(), n);
            }
        }
        Map<String, NodeDef> values = readValues(variables, session, checkpoint, modelPath);
        GraphDef.Builder b = graph.toBuilder().clearNode();
        for (NodeDef n : graph.getNodeList()) {
            String variable = REF_VARIABLES.contains(n.getOp()) ? n.getName() : readToVariable.get(n.getName());
            b.addNode(variable == null ? n : values.get(variable).toBuilder().setName(n.getName()).build());
        }
        GraphDef frozen = TfGraphDefs.prune(dropControlEdgesOnConstants(b.build()), roots);
        for (NodeDef n : frozen.getNodeList()) {
            if (n.getOp().equals("VarHandleOp")) {
                throw new Pot4jException(ErrorCode.MODEL_UNSUPPORTED, modelPath + ": variable " + n.getName()
                        + " is used by an op other than ReadVariableOp (e.g. ResourceGather); pot4j cannot freeze it"
                        + " - export the model with plain variable reads or as a frozen GraphDef");
            }
        }
        return frozen;
    }

    /**
     * Removes control inputs on constant-valued nodes. Keras functions make their result wait for
     * every variable read ({@code Identity(..., ^NoOp)}, {@code NoOp(^ReadVariableOp...)}); once the
     * reads are constants those edges order nothing, but they would keep replaced FP32 weights alive.
     */
    static GraphDef dropControlEdgesOnConstants(GraphDef graph) {
        Set<String> constants = TfConstants.of(graph);
        GraphDef.Builder b = graph.toBuilder().clearNode();
        for (NodeDef n : graph.getNodeList()) {
            NodeDef.Builder nb = n.toBuilder().clearInput();
            for (String in : n.getInputList()) {
                if (!(TfNames.isControl(in) && constants.contains(TfNames.opName(in)))) {
                    nb.addInput(in);
                }
            }
            b.addNode(nb);
        }
        return b.build();
    }

    /** The VarHandleOp a resource input comes from, through Identity/IdentityN forwarding. */
    private static NodeDef handleSource(String input, Map<String, NodeDef> nodes, Path modelPath) {
        String current = input;
        for (int hops = 0; hops < 1000; hops++) {
            NodeDef n = nodes.get(TfNames.opName(current));
            if (n == null) {
                break;
            }
            if (n.getOp().equals("VarHandleOp")) {
                return n;
            }
            if (!HANDLE_FORWARDERS.contains(n.getOp())) {
                throw new Pot4jException(ErrorCode.MODEL_UNSUPPORTED, modelPath + ": a variable read takes its handle from "
                        + n.getOp() + " node " + n.getName() + ", which pot4j cannot resolve to a variable");
            }
            current = n.getOp().equals("IdentityN") ? n.getInput(TfNames.outputIndex(current)) : n.getInput(0);
        }
        throw new Pot4jException(ErrorCode.MODEL_CORRUPT, modelPath + ": variable read " + input + " has no variable behind it");
    }

    /**
     * Const nodes holding the value of each variable: read from the session that restored them,
     * or, for variables the C++ loader left uninitialized, from the checkpoint by key.
     */
    private static Map<String, NodeDef> readValues(Map<String, NodeDef> variables, Session session, Checkpoint checkpoint,
                                                   Path modelPath) {
        Map<String, NodeDef> out = new LinkedHashMap<>();
        if (variables.isEmpty()) {
            return out;
        }
        List<String> names = new ArrayList<>(variables.keySet());
        List<String> restored = new ArrayList<>();
        Map<String, String> keys = new LinkedHashMap<>();
        Map<String, org.tensorflow.proto.DataType> types = new LinkedHashMap<>();
        boolean[] initialized = initialized(names, variables, session, modelPath);
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            if (initialized[i]) {
                restored.add(name);
                continue;
            }
            String key = checkpoint.keys().get(name);
            if (key == null) {
                throw new Pot4jException(ErrorCode.MODEL_CORRUPT, modelPath + ": variable " + name + " failed to restore"
                        + " (TensorFlow left it uninitialized); check that variables/ belongs to this saved_model.pb or re-export the model");
            }
            keys.put(name, key);
            types.put(name, variables.get(name).getAttrMap().get("dtype").getType());
        }
        Map<String, NodeDef> read = new LinkedHashMap<>();
        try {
            read.putAll(readFromSession(restored, variables, session, modelPath));
        } catch (Pot4jException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new Pot4jException(ErrorCode.MODEL_CORRUPT, modelPath + ": variables could not be read after restoring ("
                    + TfErrors.firstLine(e) + "); check that variables/ belongs to this saved_model.pb", e);
        }
        if (!keys.isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "{0}: {1} variables the TensorFlow loader left uninitialized are read from the"
                    + " checkpoint by key (a tf.Module-wrapped Keras 3 model)", modelPath, keys.size());
        }
        try {
            read.putAll(TfCheckpoint.read(checkpoint.prefix(), keys, types));
        } catch (RuntimeException e) {
            throw new Pot4jException(ErrorCode.MODEL_CORRUPT, modelPath + ": variables failed to restore from "
                    + checkpoint.prefix().getFileName() + " (" + TfErrors.firstLine(e)
                    + "); variables/ is missing, damaged or from another model - re-export the SavedModel", e);
        }
        names.forEach(n -> out.put(n, read.get(n)));
        return out;
    }

    /** The loaded graph's operation of variable {@code name}. */
    private static GraphOperation variable(Graph g, String name, Path modelPath) {
        GraphOperation op = g.operation(name);
        if (op == null) {
            throw new Pot4jException(ErrorCode.MODEL_CORRUPT, modelPath + ": variable " + name + " is not in the loaded graph");
        }
        return op;
    }

    /** Which variables the session holds a value for (asked without failing, to keep TensorFlow's log quiet). */
    private static boolean[] initialized(List<String> names, Map<String, NodeDef> variables, Session session, Path modelPath) {
        Graph g = session.graph();
        Session.Runner runner = session.runner();
        for (String name : names) {
            GraphOperation op = variable(g, name, modelPath);
            boolean ref = REF_VARIABLES.contains(variables.get(name).getOp());
            String checkName = "pot4j_freeze/initialized/" + name;
            GraphOperation check = g.operation(checkName);
            if (check == null) {
                GraphOperationBuilder b = g.opBuilder(ref ? "IsVariableInitialized" : "VarIsInitializedOp", checkName, g.baseScope())
                        .addInput(op.output(0));
                if (ref) {
                    b.setAttr("dtype", variables.get(name).getAttrMap().get("dtype").getType());
                }
                check = b.build();
            }
            runner.fetch(check.output(0));
        }
        boolean[] out = new boolean[names.size()];
        try (Result r = runner.run()) {
            for (int i = 0; i < out.length; i++) {
                byte[] b = TfTensors.rawBytes(r.get(i));
                out[i] = b.length > 0 && b[0] != 0;
            }
        } catch (RuntimeException e) {
            throw new Pot4jException(ErrorCode.MODEL_CORRUPT, modelPath + ": cannot inspect the restored variables ("
                    + TfErrors.firstLine(e) + "); re-export the model", e);
        }
        return out;
    }

    private static Map<String, NodeDef> readFromSession(List<String> names, Map<String, NodeDef> variables, Session session,
                                                        Path modelPath) {
        if (names.isEmpty()) {
            return Map.of();
        }
        Graph g = session.graph();
        Session.Runner runner = session.runner();
        for (String name : names) {
            GraphOperation op = variable(g, name, modelPath);
            NodeDef v = variables.get(name);
            if (REF_VARIABLES.contains(v.getOp())) {
                runner.fetch(op.output(0));
            } else {
                String readName = "pot4j_freeze/" + name;
                GraphOperation read = g.operation(readName);
                if (read == null) {
                    read = g.opBuilder("ReadVariableOp", readName, g.baseScope())
                            .addInput(op.output(0))
                            .setAttr("dtype", v.getAttrMap().get("dtype").getType())
                            .build();
                }
                Output<?> value = read.output(0);
                runner.fetch(value);
            }
        }
        Map<String, NodeDef> out = new LinkedHashMap<>();
        try (Result r = runner.run()) {
            for (int i = 0; i < names.size(); i++) {
                org.tensorflow.Tensor t = r.get(i);
                if (t.dataType() == org.tensorflow.proto.DataType.DT_STRING) {
                    throw new Pot4jException(ErrorCode.MODEL_UNSUPPORTED, modelPath + ": variable " + names.get(i)
                            + " holds strings; pot4j can only freeze numeric variables");
                }
                out.put(names.get(i), TfTensors.constNode(names.get(i), t.dataType(), t.shape().asArray(), TfTensors.rawBytes(t)));
            }
        }
        return out;
    }

    /**
     * Where to find variables the session did not restore.
     *
     * @param prefix checkpoint prefix ({@code <model>/variables/variables})
     * @param keys   checkpoint key of each captured variable, by VarHandleOp name
     */
    record Checkpoint(Path prefix, Map<String, String> keys) {
        /** No checkpoint fallback (frozen graphs, TF1 models). */
        static final Checkpoint NONE = new Checkpoint(Path.of("variables"), Map.of());
    }
}
