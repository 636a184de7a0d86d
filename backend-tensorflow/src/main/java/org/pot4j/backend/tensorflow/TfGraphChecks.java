package org.pot4j.backend.tensorflow;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.OpDef;

/**
 * Structural checks of a GraphDef (and its function library) in Java before TensorFlow's C++
 * loader sees it: TensorFlow aborts the whole process on some malformed graphs (found by fuzzing,
 * issue 12), so nodes without a name or an op, duplicate names and inputs that name no node are
 * refused here as {@code MODEL_CORRUPT}.
 */
final class TfGraphChecks {
    private TfGraphChecks() {
    }

    static void check(GraphDef graph, Path path) {
        Set<String> names = new HashSet<>();
        for (NodeDef n : graph.getNodeList()) {
            named(n, names, path, "the graph");
        }
        for (NodeDef n : graph.getNodeList()) {
            for (String in : n.getInputList()) {
                if (!names.contains(nodeOf(in))) {
                    throw corrupt(path, "node '" + n.getName() + "' reads '" + in + "', which is no node of the graph");
                }
            }
        }
        for (FunctionDef f : graph.getLibrary().getFunctionList()) {
            check(f, path);
        }
    }

    private static void check(FunctionDef f, Path path) {
        OpDef sig = f.getSignature();
        String where = "function '" + sig.getName() + "'";
        if (sig.getName().isEmpty()) {
            throw corrupt(path, "a function of the library has no name");
        }
        Set<String> args = new HashSet<>();
        for (OpDef.ArgDef a : sig.getInputArgList()) {
            if (a.getName().isEmpty() || !args.add(a.getName())) {
                throw corrupt(path, where + " has an unnamed or repeated input argument");
            }
        }
        Set<String> names = new HashSet<>();
        for (NodeDef n : f.getNodeDefList()) {
            named(n, names, path, where);
        }
        for (NodeDef n : f.getNodeDefList()) {
            for (String in : n.getInputList()) {
                String node = nodeOf(in);
                if (!args.contains(node) && !names.contains(node)) {
                    throw corrupt(path, where + ": node '" + n.getName() + "' reads '" + in + "', which is neither an argument"
                            + " nor a node of the function");
                }
            }
        }
        for (String ret : f.getRetMap().values()) {
            String node = nodeOf(ret);
            if (!args.contains(node) && !names.contains(node)) {
                throw corrupt(path, where + " returns '" + ret + "', which is no node of the function");
            }
        }
        for (String ret : f.getControlRetMap().values()) {
            if (!names.contains(ret)) {
                throw corrupt(path, where + " has control output '" + ret + "', which is no node of the function");
            }
        }
    }

    private static void named(NodeDef n, Set<String> names, Path path, String where) {
        if (n.getName().isEmpty() || n.getOp().isEmpty()) {
            throw corrupt(path, where + " has a node without a name or an op");
        }
        if (!names.add(n.getName())) {
            throw corrupt(path, where + " has two nodes named '" + n.getName() + "'");
        }
    }

    /** {@code ^ctrl}, {@code node:1} and {@code node:out:0} all name {@code node}. */
    private static String nodeOf(String input) {
        String s = input.startsWith("^") ? input.substring(1) : input;
        int colon = s.indexOf(':');
        return colon < 0 ? s : s.substring(0, colon);
    }

    private static Pot4jException corrupt(Path path, String why) {
        return new Pot4jException(ErrorCode.MODEL_CORRUPT, path + " is not a valid TensorFlow model (" + why
                + "); re-export it");
    }
}
