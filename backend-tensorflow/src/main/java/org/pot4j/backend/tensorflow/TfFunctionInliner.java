package org.pot4j.backend.tensorflow;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tensorflow.TensorFlow;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.OpDef;

/**
 * Replaces function calls ({@code PartitionedCall}, {@code StatefulPartitionedCall} and direct
 * calls of library functions) by the function bodies, so a TF2 SavedModel becomes one flat graph
 * whose {@code Conv2D}/{@code MatMul} ops and variable reads pot4j can see and rewrite.
 *
 * <p>Each call node is replaced by an {@code IdentityN} of the same name that forwards the
 * function's results, so everything that read the call's outputs keeps working unchanged. Body
 * nodes keep their own names when those are free (readable node ids such as
 * {@code functional_1/conv1_1/convolution}), and are prefixed with the call's name otherwise.
 * Control-flow ops ({@code If}, {@code While}) are left alone.
 */
final class TfFunctionInliner {
    private static final Set<String> CALL_OPS = Set.of("PartitionedCall", "StatefulPartitionedCall");
    private static volatile Map<String, OpDef> registeredOps;

    private final Map<String, FunctionDef> functions = new HashMap<>();
    private final Set<String> used = new HashSet<>();

    private TfFunctionInliner(GraphDef graph) {
        for (FunctionDef f : graph.getLibrary().getFunctionList()) {
            functions.put(f.getSignature().getName(), f);
        }
        for (NodeDef n : graph.getNodeList()) {
            used.add(n.getName());
        }
    }

    /** The graph that {@code roots} need, with every function call they make inlined. */
    static GraphDef inline(GraphDef graph, Collection<String> roots) {
        GraphDef pruned = TfGraphDefs.prune(graph, roots);
        TfFunctionInliner inliner = new TfFunctionInliner(pruned);
        List<NodeDef> nodes = new ArrayList<>(pruned.getNodeList());
        // expansions are appended, so calls nested inside bodies are reached by the same loop
        for (int i = 0; i < nodes.size(); i++) {
            NodeDef n = nodes.get(i);
            FunctionDef f = inliner.calledFunction(n);
            if (f != null) {
                nodes.set(i, inliner.expand(n, f, nodes));
            }
        }
        GraphDef flat = pruned.toBuilder().clearNode().addAllNode(nodes).build();
        return TfGraphDefs.prune(flat, roots);
    }

    private FunctionDef calledFunction(NodeDef n) {
        if (CALL_OPS.contains(n.getOp()) && n.getAttrMap().containsKey("f")) {
            return functions.get(n.getAttrMap().get("f").getFunc().getName());
        }
        return functions.get(n.getOp());
    }

    /** Appends the body of {@code f} called by {@code call} to {@code out}; returns the node replacing the call. */
    private NodeDef expand(NodeDef call, FunctionDef f, List<NodeDef> out) {
        Map<String, AttrValue> attrs = new HashMap<>(call.getAttrMap());
        if (CALL_OPS.contains(call.getOp())) {
            attrs.putAll(call.getAttrMap().get("f").getFunc().getAttrMap());
        }
        Map<String, List<String>> args = bindArguments(call, f, attrs);
        Map<String, String> rename = new HashMap<>();
        Map<String, NodeDef> body = new HashMap<>();
        for (NodeDef b : f.getNodeDefList()) {
            body.put(b.getName(), b);
            String preferred = used.contains(b.getName()) ? call.getName() + "/" + b.getName() : b.getName();
            rename.put(b.getName(), TfGraphDefs.uniqueName(preferred, used));
        }
        Resolver resolver = new Resolver(args, rename, body);
        for (NodeDef b : f.getNodeDefList()) {
            NodeDef.Builder nb = b.toBuilder().setName(rename.get(b.getName())).clearInput().setDevice("");
            for (String in : b.getInputList()) {
                nb.addInput(resolver.resolve(in));
            }
            for (Map.Entry<String, AttrValue> a : b.getAttrMap().entrySet()) {
                String placeholder = a.getValue().getPlaceholder();
                if (!placeholder.isEmpty() && attrs.containsKey(placeholder)) {
                    nb.putAttr(a.getKey(), attrs.get(placeholder));
                }
            }
            out.add(nb.build());
        }
        return forwarder(call, f, attrs, resolver);
    }

    /** Maps each input argument of {@code f} to the tensors the call passes to it. */
    private Map<String, List<String>> bindArguments(NodeDef call, FunctionDef f, Map<String, AttrValue> attrs) {
        List<String> data = new ArrayList<>();
        for (String in : call.getInputList()) {
            if (!TfNames.isControl(in)) {
                data.add(in);
            }
        }
        Map<String, List<String>> args = new HashMap<>();
        int pos = 0;
        List<OpDef.ArgDef> inputArgs = f.getSignature().getInputArgList();
        for (OpDef.ArgDef arg : inputArgs) {
            int len = argLength(arg, attrs);
            if (pos + len > data.size()) {
                throw new IllegalArgumentException("call " + call.getName() + " passes " + data.size()
                        + " inputs to function " + f.getSignature().getName() + ", which takes more");
            }
            args.put(arg.getName(), new ArrayList<>(data.subList(pos, pos + len)));
            pos += len;
        }
        return args;
    }

    /** The node that takes the call's place: an IdentityN over the function's results. */
    private NodeDef forwarder(NodeDef call, FunctionDef f, Map<String, AttrValue> attrs, Resolver resolver) {
        NodeDef.Builder nb = NodeDef.newBuilder().setName(call.getName());
        List<OpDef.ArgDef> outputs = f.getSignature().getOutputArgList();
        if (outputs.isEmpty()) {
            nb.setOp("NoOp");
            for (String target : f.getControlRetMap().values()) {
                nb.addInput(resolver.resolve("^" + target));
            }
        } else {
            nb.setOp("IdentityN");
            AttrValue.ListValue.Builder types = AttrValue.ListValue.newBuilder();
            for (int i = 0; i < outputs.size(); i++) {
                OpDef.ArgDef arg = outputs.get(i);
                nb.addInput(resolver.resolve(f.getRetMap().get(arg.getName())));
                types.addType(outputType(call, arg, attrs, i));
            }
            nb.putAttr("T", AttrValue.newBuilder().setList(types).build());
        }
        for (String in : call.getInputList()) {
            if (TfNames.isControl(in)) {
                nb.addInput(in);
            }
        }
        return nb.build();
    }

    private static org.tensorflow.proto.DataType outputType(NodeDef call, OpDef.ArgDef arg, Map<String, AttrValue> attrs, int index) {
        AttrValue tout = call.getAttrMap().get("Tout");
        if (tout != null && tout.getList().getTypeCount() > index) {
            return tout.getList().getType(index);
        }
        if (arg.getType() != org.tensorflow.proto.DataType.DT_INVALID) {
            return arg.getType();
        }
        AttrValue t = attrs.get(arg.getTypeAttr());
        if (t == null) {
            throw new IllegalArgumentException("cannot tell the type of output " + arg.getName() + " of call " + call.getName());
        }
        return t.getType();
    }

    /** How many tensors an argument stands for (list arguments take several). */
    private static int argLength(OpDef.ArgDef arg, Map<String, AttrValue> attrs) {
        if (!arg.getNumberAttr().isEmpty() && attrs.containsKey(arg.getNumberAttr())) {
            return (int) attrs.get(arg.getNumberAttr()).getI();
        }
        if (!arg.getTypeListAttr().isEmpty() && attrs.containsKey(arg.getTypeListAttr())) {
            return attrs.get(arg.getTypeListAttr()).getList().getTypeCount();
        }
        return 1;
    }

    /** The op definition (inputs/outputs) of a registered op or a library function. */
    private OpDef opDef(String op) {
        FunctionDef f = functions.get(op);
        if (f != null) {
            return f.getSignature();
        }
        Map<String, OpDef> ops = registeredOps;
        if (ops == null) {
            Map<String, OpDef> m = new HashMap<>();
            for (OpDef d : TensorFlow.registeredOpList().getOpList()) {
                m.put(d.getName(), d);
            }
            registeredOps = ops = m;
        }
        OpDef d = ops.get(op);
        if (d == null) {
            throw new IllegalArgumentException("op " + op + " is not known to this TensorFlow runtime");
        }
        return d;
    }

    /** Turns references inside a function body into names of the flat graph. */
    private final class Resolver {
        private final Map<String, List<String>> args;
        private final Map<String, String> rename;
        private final Map<String, NodeDef> body;

        Resolver(Map<String, List<String>> args, Map<String, String> rename, Map<String, NodeDef> body) {
            this.args = args;
            this.rename = rename;
            this.body = body;
        }

        String resolve(String ref) {
            if (TfNames.isControl(ref)) {
                String name = ref.substring(1);
                if (rename.containsKey(name)) {
                    return "^" + rename.get(name);
                }
                if (args.containsKey(name)) {
                    return "^" + TfNames.opName(args.get(name).get(0));
                }
                throw new IllegalArgumentException("unknown control input " + ref + " in function body");
            }
            String[] parts = ref.split(":");
            if (args.containsKey(parts[0])) {
                return args.get(parts[0]).get(parts.length > 1 ? Integer.parseInt(parts[1]) : 0);
            }
            String node = rename.get(parts[0]);
            if (node == null) {
                throw new IllegalArgumentException("unknown input " + ref + " in function body");
            }
            if (parts.length == 1) {
                return node;
            }
            if (parts.length == 2) {
                return TfNames.input(node, Integer.parseInt(parts[1]));
            }
            return TfNames.input(node, flatIndex(body.get(parts[0]), parts[1], Integer.parseInt(parts[2])));
        }

        /** Position in the op's flat output list of element {@code index} of output argument {@code arg}. */
        private int flatIndex(NodeDef node, String arg, int index) {
            int base = 0;
            for (OpDef.ArgDef a : opDef(node.getOp()).getOutputArgList()) {
                if (a.getName().equals(arg)) {
                    return base + index;
                }
                base += argLength(a, node.getAttrMap());
            }
            throw new IllegalArgumentException("op " + node.getOp() + " has no output " + arg);
        }
    }
}
