package org.pot4j.backend.djl;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The root module's {@code forward} with every submodule call inlined: one straight-line list of
 * statements in which each value has a unique identifier and a stable, human-readable name. It is
 * both the graph view (values, quantizable ops) and the template the rewriter prints back as
 * TorchScript with quantize-dequantize calls and extra outputs inserted.
 */
final class FlatProgram {
    /** What a value is. */
    enum Kind { INPUT, MODULE, PARAM, TRANSPOSED_PARAM, COMPUTED }

    /** A value of the program. */
    static final class Value {
        final Kind kind;
        final String ident;
        /** Stable name: model input name, call path of the module that returned it, or {@code path/local}. */
        String name;
        final int callId;
        boolean namedByReturn;
        /** Defined inside a conditional or loop block: no tap or quantizer can be placed after it. */
        boolean conditional;
        /** The function that computed it ({@code torch.relu}), or null when not a plain call. */
        String defOp;
        /** The call's arguments that are plain values (null for other arguments). */
        List<Value> defArgs = List.of();
        /** The call's argument texts. */
        List<String> defArgTexts = List.of();
        /** How many times statements (and the root's return) read it. */
        int uses;
        /** Index of the statement defining it (-1 for inputs). */
        int statement = -1;
        /** For MODULE: module path ("" for the root) and object; for PARAM: attribute path. */
        String path;
        Pickle.Obj module;

        Value(Kind kind, String ident, String name, int callId) {
            this.kind = kind;
            this.ident = ident;
            this.name = name;
            this.callId = callId;
        }

        @Override
        public String toString() {
            return name + "(" + ident + ")";
        }
    }

    /**
     * One statement: {@code <lhs> = <rhs>}, a bare expression or block header ({@code lhs} null),
     * or a marker that prints nothing ({@code rhs} null: the values a block leaves behind);
     * {@code defines} the new values; {@code depth} the block nesting.
     */
    static final class Statement {
        final String lhs;
        final String rhs;
        final List<Value> defines;
        final int depth;

        Statement(String lhs, String rhs, List<Value> defines, int depth) {
            this.lhs = lhs;
            this.rhs = rhs;
            this.defines = defines;
            this.depth = depth;
        }

        String text() {
            return lhs == null ? rhs : lhs + " = " + rhs;
        }
    }

    /** A conv or linear op found in the program. */
    static final class Op {
        final String opType;
        final Value input;
        final Value output;
        final String weightPath;
        final String biasPath;
        final int weightChannelAxis;
        final int statement;
        /** Convolution groups (1 when not a literal or not a convolution). */
        int groups = 1;

        Op(String opType, Value input, Value output, String weightPath, String biasPath, int weightChannelAxis,
                int statement) {
            this.opType = opType;
            this.input = input;
            this.output = output;
            this.weightPath = weightPath;
            this.biasPath = biasPath;
            this.weightChannelAxis = weightChannelAxis;
            this.statement = statement;
        }
    }

    /** Record name of the file holding the root class, e.g. {@code code/__torch__.py}. */
    String rootRecord;
    String rootClass;
    /** Forward parameters (name, type), without self; their values are {@link #inputs}. */
    final List<String[]> params = new ArrayList<>();
    final List<Value> inputs = new ArrayList<>();
    final List<Statement> statements = new ArrayList<>();
    /** The expression the root forward returns, with identifiers renamed. */
    String returnExpr;
    String returnType;
    final List<Op> ops = new ArrayList<>();
    /** Conv/linear calls inside if/for/while blocks (not nodes: no single place for a quantizer), e.g. {@code torch.linear}. */
    final List<String> conditionalOps = new ArrayList<>();
    final List<Value> values = new ArrayList<>();
    /** Tensor attribute values (parameters, buffers) by attribute path. */
    final Map<String, TorchTensorRecord> tensors = new LinkedHashMap<>();

    /** Values by name. */
    Map<String, Value> valuesByName() {
        Map<String, Value> m = new LinkedHashMap<>();
        for (Value v : values) {
            if ((v.kind == Kind.INPUT || v.kind == Kind.COMPUTED) && !v.conditional) {
                m.putIfAbsent(v.name, v);
            }
        }
        return m;
    }
}
