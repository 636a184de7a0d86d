package org.pot4j.backend.tensorflow;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SavedObjectGraphOuterClass.SavedConcreteFunction;
import org.tensorflow.proto.SavedObjectGraphOuterClass.SavedObject;
import org.tensorflow.proto.SavedObjectGraphOuterClass.SavedObjectGraph;
import org.tensorflow.proto.TrackableObjectGraphOuterClass.TrackableObjectGraph.TrackableObject.ObjectReference;

/**
 * Reads variable values straight from a TF2 SavedModel's checkpoint, the way Python's
 * {@code tf.saved_model.load} does: a function's captured variable handles are matched to saved
 * objects through {@code bound_inputs}, and each object's path from the root gives its
 * checkpoint key.
 *
 * <p>Needed because TensorFlow's C++ loader restores only the variables its restore function
 * names. A Keras 3 model wrapped in a {@code tf.Module} and saved with {@code tf.saved_model.save}
 * restores copies ({@code Variable_N}) while the serving function reads the originals, which the
 * C++ loader leaves uninitialized.
 */
final class TfCheckpoint {
    private static final Set<String> CALL_OPS = Set.of("PartitionedCall", "StatefulPartitionedCall");

    private TfCheckpoint() {
    }

    /** Checkpoint key of every VarHandleOp the top-level function calls capture, by op name. */
    static Map<String, String> capturedVariableKeys(MetaGraphDef meta) {
        SavedObjectGraph objects = meta.getObjectGraphDef();
        Map<String, String> out = new HashMap<>();
        if (objects.getNodesCount() == 0) {
            return out;
        }
        String[] paths = objectPaths(objects);
        GraphDef graph = meta.getGraphDef();
        Map<String, NodeDef> nodes = TfGraphDefs.index(graph);
        Map<String, FunctionDef> functions = new HashMap<>();
        for (FunctionDef f : graph.getLibrary().getFunctionList()) {
            functions.put(f.getSignature().getName(), f);
        }
        for (NodeDef n : graph.getNodeList()) {
            if (!CALL_OPS.contains(n.getOp()) || !n.getAttrMap().containsKey("f")) {
                continue;
            }
            String name = n.getAttrMap().get("f").getFunc().getName();
            SavedConcreteFunction fn = objects.getConcreteFunctionsMap().get(name);
            FunctionDef def = functions.get(name);
            if (fn == null || def == null) {
                continue;
            }
            List<String> inputs = new ArrayList<>();
            for (String in : n.getInputList()) {
                if (!TfNames.isControl(in)) {
                    inputs.add(in);
                }
            }
            int args = def.getSignature().getInputArgCount() - fn.getBoundInputsCount();
            for (int j = 0; j < fn.getBoundInputsCount(); j++) {
                int position = args + j;
                int object = fn.getBoundInputs(j);
                if (position < 0 || position >= inputs.size() || object >= paths.length || paths[object] == null) {
                    continue;
                }
                NodeDef handle = nodes.get(TfNames.opName(inputs.get(position)));
                SavedObject saved = objects.getNodes(object);
                if (handle != null && handle.getOp().equals("VarHandleOp") && saved.hasVariable()) {
                    out.put(handle.getName(), paths[object] + "/.ATTRIBUTES/VARIABLE_VALUE");
                }
            }
        }
        return out;
    }

    /** Each object's path from the root (breadth first, so the shortest), with checkpoint escaping. */
    private static String[] objectPaths(SavedObjectGraph objects) {
        String[] paths = new String[objects.getNodesCount()];
        paths[0] = "";
        Deque<Integer> todo = new ArrayDeque<>();
        todo.add(0);
        while (!todo.isEmpty()) {
            int id = todo.poll();
            for (ObjectReference child : objects.getNodes(id).getChildrenList()) {
                int c = child.getNodeId();
                if (c < paths.length && paths[c] == null) {
                    String local = escape(child.getLocalName());
                    paths[c] = paths[id].isEmpty() ? local : paths[id] + "/" + local;
                    todo.add(c);
                }
            }
        }
        return paths;
    }

    /** TensorFlow's escaping of object names inside checkpoint keys: {@code .} becomes {@code ..}, {@code /} becomes {@code .S}. */
    private static String escape(String local) {
        return local.replace(".", "..").replace("/", ".S");
    }

    /**
     * Reads tensors from the checkpoint {@code prefix} (e.g. {@code variables/variables}).
     *
     * @param keys  checkpoint key of each wanted variable, by variable name
     * @param types element type of each variable
     * @return raw values as Const nodes named after the variables
     */
    static Map<String, NodeDef> read(Path prefix, Map<String, String> keys, Map<String, org.tensorflow.proto.DataType> types) {
        Map<String, NodeDef> out = new LinkedHashMap<>();
        if (keys.isEmpty()) {
            return out;
        }
        List<String> names = new ArrayList<>(keys.keySet());
        try (Graph g = new Graph()) {
            Ops tf = Ops.create(g);
            String[] tensorNames = names.stream().map(keys::get).toArray(String[]::new);
            String[] slices = new String[names.size()];
            java.util.Arrays.fill(slices, "");
            org.tensorflow.proto.DataType[] dtypes = names.stream().map(types::get).toArray(org.tensorflow.proto.DataType[]::new);
            GraphOperation restore = g.opBuilder("RestoreV2", "pot4j_restore", g.baseScope())
                    .addInput(tf.constant(prefix.toString()).asOutput())
                    .addInput(tf.constant(java.nio.charset.StandardCharsets.UTF_8, tensorNames).asOutput())
                    .addInput(tf.constant(java.nio.charset.StandardCharsets.UTF_8, slices).asOutput())
                    .setAttr("dtypes", dtypes)
                    .build();
            try (Session s = new Session(g)) {
                Session.Runner runner = s.runner();
                for (int i = 0; i < names.size(); i++) {
                    runner.fetch(restore.output(i));
                }
                try (Result r = runner.run()) {
                    for (int i = 0; i < names.size(); i++) {
                        org.tensorflow.Tensor t = r.get(i);
                        out.put(names.get(i), TfTensors.constNode(names.get(i), t.dataType(), t.shape().asArray(), TfTensors.rawBytes(t)));
                    }
                }
            }
        }
        return out;
    }
}
