package org.pot4j.backend.djl;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.backend.djl.FlatProgram.Kind;
import org.pot4j.backend.djl.FlatProgram.Value;

/**
 * Inlines the module calls of a TorchScript archive's root {@code forward} into one
 * {@link FlatProgram}, by reading the archive's {@code code/} sources and the module tree of
 * {@code data.pkl} (no Python, no libtorch).
 *
 * <p>Every {@code (m).forward(args, )} call becomes the callee's body with its locals renamed
 * ({@code c<call>_<local>}); calls and conv/linear ops nested inside expressions are hoisted into
 * statements of their own first, so every intermediate tensor has a name and a place where a
 * quantize-dequantize or an extra output can be inserted. Values get stable names: a value a
 * module returns is named after the module's path ({@code block.conv1}; {@code block.relu#2} for a
 * second call of the same module), other locals {@code <path>/<local>}, root locals by their name.
 *
 * <p>Supported is the straight-line code {@code torch.jit.trace} produces (and scripted code
 * without control flow); anything else is reported as {@code MODEL_UNSUPPORTED}.
 */
final class TsFlattener {
    private static final Set<String> QUANTIZABLE_OPS = Set.of("_convolution", "conv1d", "conv2d", "conv3d",
            "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "linear", "matmul", "addmm");
    private static final Set<String> CONTROL_FLOW = Set.of("if", "for", "while", "else", "elif", "with", "try");

    private final TorchScriptArchive archive;
    private final String displayName;
    private final Map<String, TsSourceFile> files = new HashMap<>();
    private final FlatProgram program = new FlatProgram();
    private final Map<String, Value> byIdent = new HashMap<>();
    private final Map<String, Integer> callCounts = new HashMap<>();
    private final Set<String> usedNames = new HashSet<>();
    private int nextCallId;
    /** Block nesting of the statement being emitted (0 = straight-line part of the root forward). */
    private int depth;

    private TsFlattener(TorchScriptArchive archive, String displayName) {
        this.archive = archive;
        this.displayName = displayName;
    }

    /** One execution of a method: its module, locals and naming prefix. */
    private static final class Call {
        final int id;
        final String path;
        final Map<String, Value> env = new HashMap<>();
        /** How often each local is assigned in the method ("__loop__" when it has a loop). */
        final Map<String, Integer> assignments = new HashMap<>();
        int baseDepth;
        int temps;

        Call(int id, String path) {
            this.id = id;
            this.path = path;
        }
    }

    private record ModRef(String path, Pickle.Obj obj) {
    }

    private record TensorRef(String path, TorchTensorRecord record) {
    }

    /** A method to call and the source file holding it. */
    private record Resolved(TsSourceFile file, TsSourceFile.TsClass cls, TsSourceFile.TsMethod method) {
    }

    /**
     * Flattens the root module's forward.
     *
     * @throws Pot4jException {@code MODEL_UNSUPPORTED} for code outside the supported subset
     */
    static FlatProgram flatten(TorchScriptArchive archive, Pickle.Obj root, String displayName) {
        try {
            return new TsFlattener(archive, displayName).run(root);
        } catch (Pot4jException e) {
            throw e;
        } catch (RuntimeException | StackOverflowError e) {
            // malformed code (a damaged or hand-edited archive) must be a clear error, not an index exception (issue 12 fuzzing)
            throw new Pot4jException(ErrorCode.MODEL_CORRUPT, displayName + ": its TorchScript code cannot be read (" + e
                    + "); re-export the model with torch.jit.trace/script", e);
        }
    }

    private FlatProgram run(Pickle.Obj root) {
        Resolved r = resolve(root, "forward");
        program.rootRecord = r.file.record;
        program.rootClass = root.cls.qualifiedName();
        program.returnType = r.method.returnType;
        Call call = new Call(nextCallId++, "");
        Value self = new Value(Kind.MODULE, "self", "", call.id);
        self.path = "";
        self.module = root;
        call.env.put("self", self);
        byIdent.put("self", self);
        List<String[]> params = r.method.params;
        for (int i = 1; i < params.size(); i++) {
            String name = params.get(i)[0];
            Value v = new Value(Kind.INPUT, name, name, call.id);
            usedNames.add(name);
            program.params.add(params.get(i));
            program.inputs.add(v);
            program.values.add(v);
            call.env.put(name, v);
            byIdent.put(name, v);
        }
        body(call, r, true);
        return program;
    }

    private Resolved resolve(Pickle.Obj module, String methodName) {
        String qn = module.cls.qualifiedName();
        String record = "code/" + module.cls.module().replace('.', '/') + ".py";
        TsSourceFile file = files.computeIfAbsent(record, k -> {
            String text = archive.text(k);
            return text == null ? null : new TsSourceFile(k, text);
        });
        TsSourceFile.TsClass cls = file == null ? null : file.classes.get(module.cls.name());
        if (cls == null) {
            throw unsupported("its code has no source for class " + qn);
        }
        TsSourceFile.TsMethod m = cls.methods.get(methodName);
        if (m == null) {
            throw unsupported("class " + qn + " has no method " + methodName);
        }
        return new Resolved(file, cls, m);
    }

    /** Processes a method body; returns the value it returns (null for the root). */
    private Value body(Call call, Resolved r, boolean root) {
        List<String> lines = r.method.body;
        for (String line : lines) {
            List<TsToken> t = TsToken.tokenize(line.trim());
            int eq = topLevelAssign(t);
            for (int i = 0; i < eq; i++) {
                if (t.get(i).isIdent() && !(i > 0 && t.get(i - 1).is("."))) {
                    call.assignments.merge(t.get(i).text(), 1, Integer::sum);
                }
            }
            if (!t.isEmpty() && t.get(0).is("for")) {
                call.assignments.merge("__loop__", 1, Integer::sum);
                for (int i = 1; i < t.size() && !t.get(i).is("in"); i++) {
                    if (t.get(i).isIdent()) {
                        call.assignments.merge(t.get(i).text(), 2, Integer::sum);
                    }
                }
            }
        }
        // a parameter the method reassigns gets its own variable, so every branch writes the same one
        for (Map.Entry<String, Value> e : new ArrayList<>(call.env.entrySet())) {
            if (!e.getKey().equals("self") && call.assignments.containsKey(e.getKey()) && call.id != 0) {
                Value v = newValue(call, e.getKey(), Kind.COMPUTED);
                program.statements.add(new FlatProgram.Statement(v.ident, e.getValue().ident, List.of(v), depth));
                call.env.put(e.getKey(), v);
            }
        }
        int[] pos = {0};
        Value ret = block(call, r, lines, pos, 0, root);
        if (pos[0] < lines.size()) {
            throw unsupported(r.cls.name + "." + r.method.name + " has code after its return statement");
        }
        if (ret == null && !root) {
            throw unsupported(r.cls.name + "." + r.method.name + " has no return statement");
        }
        return ret;
    }

    /**
     * Processes the lines of one block (indentation {@code indent} inside the method body),
     * starting at {@code pos[0]}; returns the returned value when the block ends with a return.
     */
    private Value block(Call call, Resolved r, List<String> lines, int[] pos, int indent, boolean root) {
        while (pos[0] < lines.size()) {
            String line = lines.get(pos[0]);
            int ind = line.length() - line.stripLeading().length();
            if (ind < indent) {
                return null;
            }
            if (ind > indent) {
                throw unsupported("unexpected indentation in " + r.cls.name + "." + r.method.name + ": '" + line.trim() + "'");
            }
            pos[0]++;
            List<TsToken> tokens = TsToken.tokenize(line.trim());
            String first = tokens.get(0).text();
            if (tokens.get(0).is("return")) {
                if (depth > call.baseDepth) {
                    throw unsupported("return inside a block in " + r.cls.name + "." + r.method.name
                            + "; pot4j rewrites straight-line TorchScript: export with torch.jit.trace");
                }
                List<TsToken> expr = process(call, new ArrayList<>(tokens.subList(1, tokens.size())));
                if (root) {
                    countUses(expr);
                    program.returnExpr = TsToken.join(expr);
                    return RETURNED;
                }
                Value v = expr.size() == 1 ? byIdent.get(expr.get(0).text()) : null;
                if (v == null) {
                    v = temp(call, expr, Kind.COMPUTED);
                }
                if (v.callId == call.id && !v.namedByReturn && v.kind == Kind.COMPUTED && !v.conditional) {
                    usedNames.remove(v.name);
                    v.name = unique(call.path);
                    v.namedByReturn = true;
                }
                return v;
            }
            if (CONTROL_FLOW.contains(first) && tokens.get(0).isIdent()) {
                controlFlow(call, r, lines, pos, indent, tokens, line);
                continue;
            }
            int eq = topLevelAssign(tokens);
            if (eq < 0) {
                List<TsToken> expr = process(call, tokens);
                countUses(expr);
                program.statements.add(new FlatProgram.Statement(null, TsToken.join(expr), List.of(), depth));
                continue;
            }
            List<List<TsToken>> lhs = TsToken.splitTopLevel(tokens, 0, eq);
            boolean tupleLhs = lhs.size() > 1 || tokens.get(eq - 1).is(",");
            for (List<TsToken> l : lhs) {
                if (l.size() != 1 || !l.get(0).isIdent()) {
                    throw unsupported("assignment '" + line.trim() + "' in " + r.cls.name + "." + r.method.name
                            + " is not to plain local names");
                }
            }
            List<TsToken> rhs = process(call, new ArrayList<>(tokens.subList(eq + 1, tokens.size())));
            define(call, lhs.stream().map(l -> l.get(0).text()).toList(), tupleLhs, rhs);
        }
        return null;
    }

    /** Marks the root's return (the root returns no value of its own). */
    private static final Value RETURNED = new Value(Kind.COMPUTED, "", "", -1);

    /**
     * Copies an {@code if}/{@code else} or {@code for}/{@code while} block with renamed locals and
     * inlined calls. Values defined inside are conditional (no taps, quantizers or nodes); after the
     * block each local it assigned gets a fresh value, since it may hold either branch's result.
     */
    private void controlFlow(Call call, Resolved r, List<String> lines, int[] pos, int indent, List<TsToken> tokens,
            String line) {
        String kw = tokens.get(0).text();
        if (kw.equals("else") || kw.equals("elif") || kw.equals("try") || kw.equals("with")) {
            throw unsupported("'" + line.trim() + "' in " + r.cls.name + "." + r.method.name + " is not supported");
        }
        int colon = tokens.size() - 1;
        if (!tokens.get(colon).is(":")) {
            throw unsupported("'" + line.trim() + "' in " + r.cls.name + "." + r.method.name + " is not supported");
        }
        Set<String> assigned = new java.util.LinkedHashSet<>();
        String header;
        if (kw.equals("for")) {
            int in = 1;
            while (in < colon && !tokens.get(in).is("in")) {
                in++;
            }
            List<TsToken> iter = process(call, new ArrayList<>(tokens.subList(in + 1, colon)));
            StringBuilder vars = new StringBuilder();
            depth++;
            for (List<TsToken> v : TsToken.splitTopLevel(tokens, 1, in)) {
                Value lv = newValue(call, v.get(0).text(), Kind.COMPUTED);
                call.env.put(v.get(0).text(), lv);
                assigned.add(v.get(0).text());
                vars.append(vars.length() == 0 ? "" : ", ").append(lv.ident);
            }
            depth--;
            countUses(iter);
            header = "for " + vars + " in " + TsToken.join(iter) + ":";
        } else {
            List<TsToken> cond = process(call, new ArrayList<>(tokens.subList(1, colon)));
            if (kw.equals("while") && cond.size() != 1) {
                throw unsupported("while condition '" + line.trim() + "' in " + r.cls.name + "." + r.method.name
                        + " is not a plain local");
            }
            countUses(cond);
            header = kw + " " + TsToken.join(cond) + ":";
        }
        program.statements.add(new FlatProgram.Statement(null, header, List.of(), depth));
        nested(call, r, lines, pos, indent, assigned);
        if (kw.equals("if") && pos[0] < lines.size() && lines.get(pos[0]).trim().equals("else:")
                && lines.get(pos[0]).length() - lines.get(pos[0]).stripLeading().length() == indent) {
            pos[0]++;
            program.statements.add(new FlatProgram.Statement(null, "else:", List.of(), depth));
            nested(call, r, lines, pos, indent, assigned);
        }
        List<Value> merged = new ArrayList<>();
        for (String local : assigned) {
            Value v = newValue(call, local, Kind.COMPUTED);
            call.env.put(local, v);
            merged.add(v);
        }
        program.statements.add(new FlatProgram.Statement(null, null, merged, depth));
    }

    private void nested(Call call, Resolved r, List<String> lines, int[] pos, int indent, Set<String> assigned) {
        Map<String, Value> before = new HashMap<>(call.env);
        int start = program.statements.size();
        depth++;
        Value ret = block(call, r, lines, pos, indent + 2, false);
        depth--;
        if (ret != null || start == program.statements.size()) {
            if (ret != null) {
                throw unsupported("return inside a block in " + r.cls.name + "." + r.method.name);
            }
            program.statements.add(new FlatProgram.Statement(null, "pass", List.of(), depth + 1));
        }
        call.env.forEach((k, v) -> {
            if (before.get(k) != v) {
                assigned.add(k);
            }
        });
    }

    private Value newValue(Call call, String local, Kind kind) {
        String ident = call.id == 0 ? local : "c" + call.id + "_" + local;
        String name = call.path.isEmpty() ? local : call.path + "/" + local;
        Value v = new Value(kind, ident, kind == Kind.COMPUTED ? unique(name) : name, call.id);
        v.conditional = depth > 0;
        byIdent.put(ident, v);
        program.values.add(v);
        return v;
    }

    /** Defines locals {@code names} as {@code rhs}: classifies the value and records quantizable ops. */
    private void define(Call call, List<String> names, boolean tuple, List<TsToken> rhs) {
        Kind kind = Kind.COMPUTED;
        Object attr = null;
        if (!tuple) {
            attr = attribute(rhs);
            if (attr instanceof ModRef) {
                kind = Kind.MODULE;
            } else if (attr instanceof TensorRef) {
                kind = Kind.PARAM;
            } else if (isCall(rhs, "t") && rhs.size() == 6 && is(byIdent.get(rhs.get(4).text()), Kind.PARAM)) {
                kind = Kind.TRANSPOSED_PARAM;
                attr = byIdent.get(rhs.get(4).text());
            }
        }
        if (!tuple && rhs.size() == 1 && byIdent.get(rhs.get(0).text()) != null && depth == 0
                && call.assignments.getOrDefault(names.get(0), 0) <= 1 && !call.assignments.containsKey("__loop__")) {
            call.env.put(names.get(0), byIdent.get(rhs.get(0).text())); // an alias: no new value
            return;
        }
        countUses(rhs);
        String defOp = null;
        List<Value> defArgs = List.of();
        List<String> defArgTexts = List.of();
        int open = rhs.size() > 1 && rhs.get(rhs.size() - 1).is(")") ? firstOpenParen(rhs) : -1;
        if (open > 0 && TsToken.matching(rhs, open) == rhs.size() - 1) {
            defOp = TsToken.join(rhs.subList(0, open)).replace(" ", "");
            List<Value> args = new ArrayList<>();
            List<String> texts = new ArrayList<>();
            for (List<TsToken> a : TsToken.splitTopLevel(rhs, open + 1, rhs.size() - 1)) {
                args.add(value(a));
                texts.add(TsToken.join(a).trim());
            }
            defArgs = java.util.Collections.unmodifiableList(args);
            defArgTexts = List.copyOf(texts);
        }
        List<Value> defined = new ArrayList<>();
        StringBuilder lhs = new StringBuilder();
        for (String name : names) {
            Value v = newValue(call, name, kind);
            String ident = v.ident;
            if (attr instanceof ModRef m) {
                v.path = m.path;
                v.module = m.obj;
            } else if (attr instanceof TensorRef t) {
                v.path = t.path;
                program.tensors.put(t.path, t.record);
            } else if (attr instanceof Value w) {
                v.path = w.path;
            }
            call.env.put(name, v);
            v.statement = program.statements.size();
            if (!tuple) {
                v.defOp = defOp;
                v.defArgs = defArgs;
                v.defArgTexts = defArgTexts;
            }
            defined.add(v);
            lhs.append(lhs.length() == 0 ? "" : " ").append(ident).append(tuple ? "," : "");
        }
        program.statements.add(new FlatProgram.Statement(lhs.toString(), TsToken.join(rhs), defined, depth));
        if (!tuple && depth == 0) {
            detectOp(defined.get(0), rhs);
        } else if (rhs.size() > 3 && rhs.get(0).is("torch") && rhs.get(1).is(".")
                && QUANTIZABLE_OPS.contains(rhs.get(2).text()) && rhs.get(3).is("(")) {
            program.conditionalOps.add("torch." + rhs.get(2).text());
        }
    }

    private Value temp(Call call, List<TsToken> expr, Kind kind) {
        String local = "_t" + call.temps++;
        define(call, List.of(local), false, expr);
        return program.values.get(program.values.size() - 1);
    }

    private String unique(String name) {
        String n = name;
        for (int k = 2; usedNames.contains(n); k++) {
            n = name + "~" + k;
        }
        usedNames.add(n);
        return n;
    }

    /** Renames locals and hoists module calls, nested conv/linear ops and inline parameter reads. */
    private List<TsToken> process(Call call, List<TsToken> tokens) {
        List<TsToken> t = new ArrayList<>(tokens.size());
        for (int i = 0; i < tokens.size(); i++) {
            TsToken tok = tokens.get(i);
            boolean attrName = i > 0 && tokens.get(i - 1).is(".");
            boolean kwarg = i + 1 < tokens.size() && tokens.get(i + 1).is("=");
            Value v = tok.isIdent() && !attrName && !kwarg ? call.env.get(tok.text()) : null;
            t.add(v == null ? tok : TsToken.ident(v.ident, tok.ws()));
        }
        while (true) {
            int[] best = null;
            List<int[]> cands = candidates(t);
            for (int[] c : cands) {
                boolean innermost = true;
                for (int[] o : cands) {
                    innermost &= o == c || !(o[0] > c[0] && o[0] <= c[1]);
                }
                if (innermost) {
                    best = c;
                    break;
                }
            }
            if (best == null) {
                return t;
            }
            Value result;
            List<TsToken> span = new ArrayList<>(t.subList(best[0], best[1] + 1));
            if (best[2] == 0) {
                result = inlineCall(call, span);
            } else {
                result = temp(call, stripWs(span), Kind.COMPUTED);
            }
            String ws = t.get(best[0]).ws();
            t.subList(best[0], best[1] + 1).clear();
            t.add(best[0], TsToken.ident(result.ident, ws));
        }
    }

    private static List<TsToken> stripWs(List<TsToken> span) {
        List<TsToken> out = new ArrayList<>(span);
        out.set(0, new TsToken(span.get(0).kind(), span.get(0).text(), ""));
        return out;
    }

    /** {start, end, type}: type 0 = module method call, 1 = nested op or parameter read to hoist. */
    private List<int[]> candidates(List<TsToken> t) {
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < t.size(); i++) {
            boolean afterDot = i > 0 && t.get(i - 1).is(".");
            if (i + 5 < t.size() && t.get(i).is("(") && t.get(i + 1).isIdent() && t.get(i + 2).is(")")
                    && t.get(i + 3).is(".") && t.get(i + 4).isIdent() && t.get(i + 5).is("(")
                    && is(byIdent.get(t.get(i + 1).text()), Kind.MODULE)) {
                out.add(new int[] {i, TsToken.matching(t, i + 5), 0});
            } else if (!afterDot && i + 3 < t.size() && t.get(i).is("torch") && t.get(i + 1).is(".")
                    && (QUANTIZABLE_OPS.contains(t.get(i + 2).text()) || t.get(i + 2).is("t")) && t.get(i + 3).is("(")) {
                int end = TsToken.matching(t, i + 3);
                if (!(i == 0 && end == t.size() - 1)) {
                    out.add(new int[] {i, end, 1});
                }
            } else if (!afterDot && i + 2 < t.size() && t.get(i).isIdent() && t.get(i + 1).is(".")
                    && t.get(i + 2).isIdent() && !(i + 3 < t.size() && (t.get(i + 3).is("(") || t.get(i + 3).is(".")))
                    && !(i == 0 && t.size() == 3)
                    && attribute(t.subList(i, i + 3)) instanceof TensorRef) {
                out.add(new int[] {i, i + 2, 1});
            }
        }
        return out;
    }

    private Value inlineCall(Call caller, List<TsToken> span) {
        Value m = byIdent.get(span.get(1).text());
        String methodName = span.get(4).text();
        int close = span.size() - 1;
        List<Value> args = new ArrayList<>();
        for (List<TsToken> a : TsToken.splitTopLevel(span, 6, close)) {
            Value v = a.size() == 1 ? byIdent.get(a.get(0).text()) : null;
            args.add(v != null ? v : temp(caller, stripWs(a), Kind.COMPUTED));
        }
        Resolved r = resolve(m.module, methodName);
        if (r.method.params.size() - 1 != args.size()) {
            throw unsupported(r.cls.name + "." + methodName + " takes " + (r.method.params.size() - 1)
                    + " arguments but is called with " + args.size());
        }
        int count = callCounts.merge(m.path, 1, Integer::sum);
        String base = m.path.isEmpty() ? "self" : m.path;
        Call call = new Call(nextCallId++, count > 1 ? base + "#" + count : m.path);
        call.baseDepth = depth;
        call.env.put("self", m);
        for (int i = 0; i < args.size(); i++) {
            call.env.put(r.method.params.get(i + 1)[0], args.get(i));
        }
        return body(call, r, false);
    }

    /** What an attribute expression ({@code m.attr}, {@code getattr(m, "0")}) refers to, or null. */
    private Object attribute(List<TsToken> t) {
        if (t.size() == 1 && is(byIdent.get(t.get(0).text()), Kind.MODULE)) {
            Value v = byIdent.get(t.get(0).text());
            return new ModRef(v.path, v.module);
        }
        if (t.size() >= 3 && t.get(t.size() - 2).is(".") && t.get(t.size() - 1).isIdent()
                && attribute(t.subList(0, t.size() - 2)) instanceof ModRef m) {
            return member(m, t.get(t.size() - 1).text());
        }
        if (t.size() >= 6 && t.get(0).is("getattr") && t.get(1).is("(") && t.get(t.size() - 1).is(")")
                && TsToken.matching(t, 1) == t.size() - 1) {
            List<List<TsToken>> args = TsToken.splitTopLevel(t, 2, t.size() - 1);
            if (args.size() == 2 && args.get(1).size() == 1 && args.get(1).get(0).kind() == TsToken.Kind.STRING
                    && attribute(args.get(0)) instanceof ModRef m) {
                String s = args.get(1).get(0).text();
                return member(m, s.substring(1, s.length() - 1));
            }
        }
        return null;
    }

    private Object member(ModRef m, String attr) {
        Object o = TorchTensorRecord.attributes(m.obj).get(attr);
        String path = m.path.isEmpty() ? attr : m.path + "." + attr;
        if (o instanceof Pickle.Obj obj && obj.cls.module().startsWith("__torch__")) {
            return new ModRef(path, obj);
        }
        TorchTensorRecord rec = TorchTensorRecord.of(o);
        return rec != null ? new TensorRef(path, rec) : null;
    }

    private static boolean is(Value v, Kind kind) {
        return v != null && v.kind == kind;
    }

    private static boolean isCall(List<TsToken> t, String fn) {
        return t.size() >= 5 && t.get(0).is("torch") && t.get(1).is(".") && t.get(2).is(fn) && t.get(3).is("(")
                && TsToken.matching(t, 3) == t.size() - 1;
    }

    private static int topLevelAssign(List<TsToken> t) {
        int depth = 0;
        for (int i = 0; i < t.size(); i++) {
            String s = t.get(i).kind() == TsToken.Kind.OP ? t.get(i).text() : "";
            if (s.equals("(") || s.equals("[") || s.equals("{")) {
                depth++;
            } else if (s.equals(")") || s.equals("]") || s.equals("}")) {
                depth--;
            } else if (depth == 0 && s.equals("=")) {
                return i;
            }
        }
        return -1;
    }

    /** Records a conv/linear op when {@code rhs} is exactly one with a float parameter as weight. */
    private void detectOp(Value out, List<TsToken> rhs) {
        if (rhs.size() < 5 || !rhs.get(0).is("torch") || !rhs.get(1).is(".")
                || !QUANTIZABLE_OPS.contains(rhs.get(2).text()) || TsToken.matching(rhs, 3) != rhs.size() - 1) {
            return;
        }
        String fn = rhs.get(2).text();
        List<List<TsToken>> a = TsToken.splitTopLevel(rhs, 4, rhs.size() - 1);
        Value x;
        Value w;
        Value b = null;
        boolean transposedConv = fn.startsWith("conv_transpose");
        switch (fn) {
            case "addmm" -> {
                if (a.size() < 3) {
                    return;
                }
                b = value(a.get(0));
                x = value(a.get(1));
                w = value(a.get(2));
            }
            case "matmul" -> {
                if (a.size() != 2) {
                    return;
                }
                x = value(a.get(0));
                w = value(a.get(1));
            }
            default -> {
                if (a.size() < 2) {
                    return;
                }
                x = value(a.get(0));
                w = value(a.get(1));
                b = a.size() > 2 ? value(a.get(2)) : null;
                if (fn.equals("_convolution") && a.size() > 6) {
                    transposedConv = TsToken.join(a.get(6)).trim().equals("True");
                }
            }
        }
        if (x == null || x.kind == Kind.MODULE || x.conditional || w == null
                || (w.kind != Kind.PARAM && w.kind != Kind.TRANSPOSED_PARAM)) {
            return;
        }
        TorchTensorRecord wr = program.tensors.get(w.path);
        if (wr == null || !wr.isFloat32()) {
            return;
        }
        String bias = b != null && b.kind == Kind.PARAM && program.tensors.get(b.path) != null
                && program.tensors.get(b.path).isFloat32() ? b.path : null;
        int rank = wr.size.length;
        String opType;
        int axis;
        if (fn.equals("linear") || w.kind == Kind.TRANSPOSED_PARAM) {
            opType = "Linear";
            axis = 0;
        } else if (fn.equals("matmul") || fn.equals("addmm")) {
            opType = "MatMul";
            axis = rank - 1;
        } else {
            opType = (transposedConv ? "ConvTranspose" : "Conv") + (rank - 2) + "d";
            axis = transposedConv ? 1 : 0;
        }
        FlatProgram.Op op = new FlatProgram.Op(opType, x, out, w.path, bias, axis, program.statements.size() - 1);
        int groupsArg = fn.equals("_convolution") ? 8 : fn.startsWith("conv") ? 6 : -1;
        if (groupsArg > 0 && a.size() > groupsArg && a.get(groupsArg).size() == 1
                && a.get(groupsArg).get(0).kind() == TsToken.Kind.NUMBER) {
            op.groups = Integer.parseInt(a.get(groupsArg).get(0).text());
        }
        program.ops.add(op);
    }

    private void countUses(List<TsToken> tokens) {
        for (int i = 0; i < tokens.size(); i++) {
            Value v = tokens.get(i).isIdent() && !(i > 0 && tokens.get(i - 1).is(".")) ? byIdent.get(tokens.get(i).text()) : null;
            if (v != null) {
                v.uses++;
            }
        }
    }

    private static int firstOpenParen(List<TsToken> t) {
        for (int i = 0; i < t.size(); i++) {
            if (t.get(i).is("(")) {
                return i;
            }
            if (!(t.get(i).isIdent() || t.get(i).is("."))) {
                return -1;
            }
        }
        return -1;
    }

    private Value value(List<TsToken> arg) {
        return arg.size() == 1 ? byIdent.get(arg.get(0).text()) : null;
    }

    private Pot4jException unsupported(String what) {
        String hint = what.contains("torch.jit.trace") ? ""
                : "; pot4j reads the straight-line code of a torch.jit.trace archive (or torch.jit.script code"
                + " without it): export with torch.jit.trace(model, example_input)";
        return new Pot4jException(ErrorCode.MODEL_UNSUPPORTED, displayName + ": " + what + hint);
    }
}
