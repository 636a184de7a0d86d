package org.pot4j.backend.djl;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.model.QuantizableNode;
import org.pot4j.api.quant.ActivationQuantizer;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.api.quant.WeightQuantizer;
import org.pot4j.backend.djl.FlatProgram.Kind;
import org.pot4j.backend.djl.FlatProgram.Value;

/**
 * Writes a {@link QuantizationPlan} as a TorchScript archive that runs on PyTorch's quantized CPU
 * kernels, in the form PyTorch's own scripted {@code torch.ao.nn.quantized} modules take:
 *
 * <ul>
 *   <li>each quantized conv / linear becomes a root submodule {@code _pot4j_qc<k>} /
 *   {@code _pot4j_ql<k>} of class {@code __torch__.pot4j.quantized.QConv2d} / {@code QLinear}
 *   whose pickled state holds the qint8 per-channel weight ({@code torch._utils._rebuild_qtensor})
 *   and the float bias; its {@code __setstate__} calls {@code quantized::conv2d_prepack} /
 *   {@code linear_prepack} when the archive loads, so the file holds int8 weights and no packed
 *   (engine-specific) blobs;</li>
 *   <li>the flat root {@code forward} calls {@code ops.quantized.conv2d(_relu)},
 *   {@code ops.quantized.linear(_relu)} (or {@code linear_dynamic} when the output has no
 *   quantizer), {@code ops.quantized.add(_relu)}; max pooling, average pooling, flatten, reshape
 *   and ReLU run on the quantized tensor; {@code torch.quantize_per_tensor} sits where a float value
 *   feeds an integer kernel and {@code torch.dequantize} where a quantized value feeds a float op or
 *   an output.</li>
 * </ul>
 *
 * A node without a kernel (kept FP32 by the plan, a transposed or 1-d/3-d conv, a missing
 * quantizer, a ReLU6 after a conv...) stays a float island: its activation quantizers become
 * {@code dequantize} of the quantized value (or {@code fake_quantize_per_tensor_affine}), its
 * weights are fake-quantized in place, exactly as {@code compile(plan)} simulates it.
 * Activations are {@code quint8}: a signed int8 grid {@code (scale, zp)} is the same grid as
 * {@code quint8 (scale, zp + 128)}.
 */
final class DjlInt8Writer {
    /** Extra-file record naming the quantized engine the archive was validated with. */
    static final String ENGINE_RECORD = "extra/pot4j_quantized_engine";
    static final String CLASS_RECORD = "code/__torch__/pot4j/quantized.py";
    private static final String CLASS_MODULE = "__torch__.pot4j.quantized";
    private static final int QUINT8 = 13;

    /** Ops that run on a quantized tensor (first argument) and return one on the same grid. */
    private static final Set<String> ON_QUANTIZED = Set.of("torch.max_pool2d", "torch.flatten", "torch.reshape",
            "torch.view", "torch.relu", "torch.relu_", "torch.adaptive_avg_pool2d", "torch.avg_pool2d",
            "torch.squeeze", "torch.unsqueeze", "torch.transpose", "torch.permute", "torch.contiguous");
    /** Ops that read only a tensor's metadata: a quantized tensor does as well as a float one. */
    private static final Set<String> METADATA = Set.of("torch.size", "torch.dim", "torch.numel", "ops.prim.NumToTensor");
    private static final Set<String> RELUS = Set.of("torch.relu", "torch.relu_");

    /** What the writer did, for the log and the tests. */
    record Result(byte[] bytes, int int8Nodes, Map<String, String> floatNodes) {
    }

    private enum KernelKind { CONV, LINEAR, LINEAR_DYNAMIC, ADD }

    /** An integer kernel replacing the statement that defines {@code output}. */
    private static final class Kernel {
        KernelKind kind;
        final QuantizableNode node;
        final Value output;
        /** The ReLU reader fused into the kernel, or null. */
        Value relu;
        ActivationQuantizer outQ;
        List<Value> inputs = List.of();
        List<ActivationQuantizer> inQ = List.of();
        FlatProgram.Op op;
        String attr;
        long[] stride;
        long[] padding;
        long[] dilation;
        long groups = 1;

        Kernel(KernelKind kind, QuantizableNode node, Value output) {
            this.kind = kind;
            this.node = node;
            this.output = output;
        }
    }

    private final DjlModel model;
    private final FlatProgram program;
    private final TorchScriptArchive archive;
    private final QuantizationPlan plan;
    private final Map<String, Value> byName;
    private final Map<Value, List<Value>> readers = new IdentityHashMap<>();
    /** Applicable activation quantizers (some reader of the tensor is not kept FP32). */
    private final Map<Value, ActivationQuantizer> activations = new IdentityHashMap<>();
    private final Map<Value, Kernel> kernels = new IdentityHashMap<>();
    private final Map<Value, Kernel> fusedRelus = new IdentityHashMap<>();
    private final Map<String, String> floatNodes = new LinkedHashMap<>();
    /** Values an integer kernel reads: quantized right where they are defined. */
    private final Set<Value> quantizeEagerly = Collections.newSetFromMap(new IdentityHashMap<>());

    // code generation state
    private final Map<Value, String> qIdent = new IdentityHashMap<>();
    private final Map<Value, String> fIdent = new IdentityHashMap<>();
    private final StringBuilder body = new StringBuilder();
    private int temps;

    private DjlInt8Writer(DjlModel model, QuantizationPlan plan) {
        this.model = model;
        this.program = model.program();
        this.archive = model.archive().copy();
        this.plan = plan;
        this.byName = program.valuesByName();
    }

    static Result write(DjlModel model, QuantizationPlan plan) {
        return new DjlInt8Writer(model, plan).run();
    }

    private Result run() {
        DjlPlanWriter.checkPlan(model, plan);
        for (Value v : program.values) {
            for (Value a : v.defArgs) {
                if (a != null) {
                    readers.computeIfAbsent(a, k -> new ArrayList<>()).add(v);
                }
            }
        }
        for (Map.Entry<String, ActivationQuantizer> e : plan.activations().entrySet()) {
            Value v = byName.get(e.getKey());
            if (v == null) {
                throw new Pot4jException(ErrorCode.CONFIG_INVALID, "the plan quantizes tensor '" + e.getKey()
                        + "' but " + model.displayName() + " has no such tensor; use names from the model's graph view");
            }
            if (!DjlPlanWriter.onlyFp32Consumers(model, e.getKey(), plan.fp32Nodes())) {
                activations.put(v, e.getValue());
            }
        }
        chooseKernels();
        Pickle.Obj root = readRoot();
        Set<String> replacedKeys = new HashSet<>();
        writeWeights(root, replacedKeys);
        emitForward();
        List<String> decls = new ArrayList<>();
        for (Kernel k : kernels.values()) {
            if (k.attr != null) {
                decls.add(k.attr + " : " + CLASS_MODULE + "." + (k.kind == KernelKind.CONV ? "QConv2d" : "QLinear"));
            }
        }
        decls.sort(null);
        DjlPlanWriter.spliceRootForward(archive, program, forwardDef(), decls);
        archive.putText(CLASS_RECORD, CLASS_SOURCE);
        archive.put("data.pkl", PickleWriter.write(root));
        DjlPlanWriter.removeUnreferenced(archive, root, replacedKeys);
        archive.putText(DjlModelOptions.EXTRA_RECORD, DjlModelOptions.record(model.inputs(),
                model.outputs().stream().map(org.pot4j.api.model.TensorInfo::name).toList()));
        archive.putText(ENGINE_RECORD, DjlQuantizedEngine.RECORDED);
        DjlPlanWriter.removeDebugRecords(archive);
        return new Result(archive.toZip(), (int) kernels.values().stream().filter(k -> k.node != null).count(),
                floatNodes);
    }

    // ---------------------------------------------------------------- which nodes get a kernel

    private void chooseKernels() {
        Map<String, QuantizableNode> nodeOfOutput = new HashMap<>();
        Map<Value, QuantizableNode> weightless = new IdentityHashMap<>();
        for (QuantizableNode n : model.quantizableNodes()) {
            if (n.hasWeight()) {
                nodeOfOutput.put(n.outputName(), n);
            } else {
                Value v = byName.get(n.id());
                if (v != null) {
                    weightless.put(v, n);
                }
            }
        }
        for (FlatProgram.Op op : program.ops) {
            QuantizableNode n = nodeOfOutput.get(op.output.name);
            String why = convOrLinear(op, n);
            if (why != null) {
                floatNodes.put(n.id(), why);
            }
        }
        for (Map.Entry<Value, QuantizableNode> e : weightless.entrySet()) {
            QuantizableNode n = e.getValue();
            if (!n.opType().equals("Add")) {
                continue; // pooling runs on the quantized tensor without a node of its own
            }
            String why = add(e.getKey(), n);
            if (why != null) {
                floatNodes.put(n.id(), why);
            }
        }
        for (Kernel k : kernels.values()) {
            for (Value in : k.inputs) {
                if (k.kind != KernelKind.LINEAR_DYNAMIC) {
                    quantizeEagerly.add(source(in));
                }
            }
        }
    }

    /** Sets up a conv/linear kernel; returns why the node stays float, or null. */
    private String convOrLinear(FlatProgram.Op op, QuantizableNode n) {
        if (plan.fp32Nodes().contains(n.id())) {
            return "kept in FP32 by the plan";
        }
        WeightQuantizer wq = plan.weights().get(n.id());
        if (wq == null) {
            return "no weight quantizer";
        }
        if (wq.bits() > 8 || !wq.symmetric() || wq.axis() > 0) {
            return "weight quantizer is not symmetric int8 per output channel";
        }
        Value out = op.output;
        if (out.conditional || program.statements.get(op.statement).depth != 0) {
            return "inside a conditional block";
        }
        String fn = out.defOp;
        TorchTensorRecord w = program.tensors.get(op.weightPath);
        Value wv = out.defArgs.size() > 1 ? out.defArgs.get(fn.equals("torch.addmm") ? 2 : 1) : null;
        if (wv == null || wv.kind != Kind.PARAM) {
            return "weight is not a plain parameter";
        }
        ActivationQuantizer inQ = activations.get(source(op.input));
        if (op.opType.equals("Conv2d") && (fn.equals("torch._convolution") || fn.equals("torch.conv2d"))) {
            if (inQ == null || inQ.bits() != 8) {
                return "its input has no 8-bit quantizer";
            }
            Kernel k = new Kernel(KernelKind.CONV, n, out);
            List<String> a = out.defArgTexts;
            try {
                k.stride = a.size() > 3 ? ints(a.get(3), 2) : new long[] {1, 1};
                k.padding = a.size() > 4 ? ints(a.get(4), 2) : new long[] {0, 0};
                k.dilation = a.size() > 5 ? ints(a.get(5), 2) : new long[] {1, 1};
                if (fn.equals("torch._convolution")) {
                    if (!a.get(6).equals("False") || !a.get(7).replace(" ", "").equals("[0,0]")) {
                        return "transposed convolution";
                    }
                    k.groups = Long.parseLong(a.get(8));
                } else if (a.size() > 6) {
                    k.groups = Long.parseLong(a.get(6));
                }
            } catch (RuntimeException e) {
                return "convolution arguments are not literals";
            }
            String outWhy = output(k, out);
            if (outWhy != null) {
                return outWhy;
            }
            k.op = op;
            k.inputs = List.of(op.input);
            k.inQ = List.of(inQ);
            kernels.put(out, k);
            return null;
        }
        if (op.opType.equals("Linear") && fn.equals("torch.linear") && w.size.length == 2) {
            Kernel k = new Kernel(KernelKind.LINEAR, n, out);
            k.op = op;
            k.inputs = List.of(op.input);
            if (inQ == null || inQ.bits() != 8 || output(k, out) != null) {
                k.kind = KernelKind.LINEAR_DYNAMIC; // no output grid: quantize the input per batch
                k.relu = null;
                k.outQ = null;
            } else {
                k.inQ = List.of(inQ);
            }
            kernels.put(out, k);
            return null;
        }
        return "no quantized kernel for " + op.opType + " (" + fn + ")";
    }

    /** The output grid: the quantizer after a fused ReLU, or on the output itself. */
    private String output(Kernel k, Value out) {
        List<Value> r = readers.getOrDefault(out, List.of());
        if (out.uses == 1 && r.size() == 1 && r.get(0).defOp != null && RELUS.contains(r.get(0).defOp) && !r.get(0).conditional
                && activations.containsKey(r.get(0))) {
            k.relu = r.get(0);
            k.outQ = activations.get(r.get(0));
        } else {
            k.outQ = activations.get(out);
        }
        if (k.outQ == null || k.outQ.bits() != 8) {
            return "its output has no 8-bit quantizer (quint8 kernels cannot clamp to a narrower grid)";
        }
        return null;
    }

    private String add(Value v, QuantizableNode n) {
        if (plan.fp32Nodes().contains(n.id())) {
            return "kept in FP32 by the plan";
        }
        if (v.conditional || v.defArgs.size() < 2 || v.defArgs.get(0) == null || v.defArgs.get(1) == null
                || (v.defArgTexts.size() > 2 && !v.defArgTexts.get(2).replace(" ", "").matches("(alpha=)?1"))) {
            return "not a plain two-tensor add";
        }
        ActivationQuantizer a = activations.get(source(v.defArgs.get(0)));
        ActivationQuantizer b = activations.get(source(v.defArgs.get(1)));
        if (a == null || b == null || a.bits() != 8 || b.bits() != 8) {
            return "an input has no int8 quantizer";
        }
        Kernel k = new Kernel(KernelKind.ADD, n, v);
        String why = output(k, v);
        if (why != null) {
            return why;
        }
        k.inputs = List.of(v.defArgs.get(0), v.defArgs.get(1));
        k.inQ = List.of(a, b);
        kernels.put(v, k);
        return null;
    }

    private static long[] ints(String text, int n) {
        String t = text.replace(" ", "");
        if (!t.startsWith("[") || !t.endsWith("]")) {
            long x = Long.parseLong(t);
            long[] out = new long[n];
            java.util.Arrays.fill(out, x);
            return out;
        }
        String[] parts = t.substring(1, t.length() - 1).split(",");
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = Long.parseLong(parts[parts.length == 1 ? 0 : i]);
        }
        return out;
    }

    /** The value that holds the same numbers before value-preserving ops (where its quantizer sits). */
    private Value source(Value v) {
        Value s = v;
        while (!activations.containsKey(s) && s.kind == Kind.COMPUTED && !s.conditional && s.defOp != null
                && DjlGraphView.TRANSPARENT.contains(s.defOp) && !s.defArgs.isEmpty() && s.defArgs.get(0) != null) {
            s = s.defArgs.get(0);
        }
        return s;
    }

    // ---------------------------------------------------------------- data.pkl

    private Pickle.Obj readRoot() {
        try {
            return (Pickle.Obj) PickleReader.read(archive.get("data.pkl"));
        } catch (IOException e) {
            throw new Pot4jException(ErrorCode.MODEL_CORRUPT, model.displayName() + ": data.pkl: " + e.getMessage(), e);
        }
    }

    /** Bias shifts, fake-quantized weights of float nodes, and the quantized modules of the kernels. */
    private void writeWeights(Pickle.Obj root, Set<String> replacedKeys) {
        Map<String, Kernel> kernelOfWeight = new HashMap<>();
        for (Kernel k : kernels.values()) {
            if (k.op != null) {
                kernelOfWeight.put(k.op.weightPath, k);
            }
        }
        Set<String> floatWeights = new HashSet<>();
        for (FlatProgram.Op op : program.ops) {
            if (!kernels.containsKey(op.output)) {
                floatWeights.add(op.weightPath);
            }
        }
        Set<String> done = new HashSet<>();
        for (QuantizableNode node : model.quantizableNodes()) {
            float[] shift = plan.biasShifts().get(node.id());
            if (shift != null && node.hasBias()) {
                program.tensors.get(node.biasName()).addBiasShift(archive, shift, node.id());
            }
            WeightQuantizer q = plan.weights().get(node.id());
            if (node.hasWeight() && q != null && !plan.fp32Nodes().contains(node.id())
                    && !kernelOfWeight.containsKey(node.weightName()) && done.add(node.weightName())) {
                program.tensors.get(node.weightName()).fakeQuantize(archive, q);
            }
        }
        int convs = 0;
        int linears = 0;
        List<Kernel> ordered = new ArrayList<>(kernels.values());
        ordered.sort(java.util.Comparator.comparingInt(k -> k.output.statement));
        for (Kernel k : ordered) {
            if (k.op == null) {
                continue;
            }
            WeightQuantizer q = plan.weights().get(k.node.id());
            TorchTensorRecord w = program.tensors.get(k.op.weightPath);
            Pickle.Reduce qweight = qtensor(w, q);
            Object bias = Pickle.NONE;
            if (k.op.biasPath != null) {
                TorchTensorRecord b = program.tensors.get(k.op.biasPath);
                bias = TorchTensorRecord.create("FloatStorage", storeFloats(b.readFloats(archive)), b.size);
            }
            Pickle.Obj module;
            if (k.kind == KernelKind.CONV) {
                k.attr = "_pot4j_qc" + convs++;
                module = new Pickle.Obj(new Pickle.Global(CLASS_MODULE, "QConv2d"), Pickle.Tuple.of());
                module.state = Pickle.Tuple.of(qweight, bias, pair(k.stride), pair(k.padding), pair(k.dilation),
                        k.groups, Boolean.FALSE);
            } else {
                k.attr = "_pot4j_ql" + linears++;
                module = new Pickle.Obj(new Pickle.Global(CLASS_MODULE, "QLinear"), Pickle.Tuple.of());
                module.state = Pickle.Tuple.of(qweight, bias, Boolean.FALSE);
            }
            TorchTensorRecord.attributes(root).put(k.attr, module);
            if (!floatWeights.contains(k.op.weightPath)) {
                // the float weight is no longer read: an empty tensor keeps the module's declared attribute
                Pickle.Obj owner = DjlPlanWriter.owner(model, root, k.op.weightPath);
                String name = k.op.weightPath.substring(k.op.weightPath.lastIndexOf('.') + 1);
                TorchTensorRecord old = TorchTensorRecord.of(TorchTensorRecord.attributes(owner).get(name));
                if (old != null) {
                    replacedKeys.add(old.storageKey);
                }
                TorchTensorRecord.attributes(owner).put(name,
                        TorchTensorRecord.create("FloatStorage", storeBytes(new byte[0]), new long[] {0}));
            }
        }
    }

    private static Pickle.Tuple pair(long[] v) {
        return Pickle.Tuple.of(v[0], v[1]);
    }

    /** {@code torch._utils._rebuild_qtensor(storage, 0, size, stride, quantizer params, False, OrderedDict())}. */
    private Pickle.Reduce qtensor(TorchTensorRecord w, WeightQuantizer q) {
        String key = storeBytes(w.quantizeInt8(archive, q));
        Pickle.Reduce plain = TorchTensorRecord.create("QInt8Storage", key, w.size);
        Object qparams;
        if (q.axis() >= 0) {
            int channels = (int) w.size[q.axis()];
            ByteBuffer s = ByteBuffer.allocate(channels * 8).order(ByteOrder.LITTLE_ENDIAN);
            ByteBuffer z = ByteBuffer.allocate(channels * 8).order(ByteOrder.LITTLE_ENDIAN);
            for (int c = 0; c < channels; c++) {
                s.putDouble(q.scales()[c]);
                z.putLong(q.zeroPoints()[c]);
            }
            qparams = Pickle.Tuple.of(new Pickle.Global("torch", "per_channel_affine"),
                    TorchTensorRecord.create("DoubleStorage", storeBytes(s.array()), new long[] {channels}),
                    TorchTensorRecord.create("LongStorage", storeBytes(z.array()), new long[] {channels}),
                    (long) q.axis());
        } else {
            qparams = Pickle.Tuple.of(new Pickle.Global("torch", "per_tensor_affine"), (double) q.scales()[0],
                    (long) q.zeroPoints()[0]);
        }
        List<Object> args = new ArrayList<>(plain.args.items);
        // _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks)
        //   -> _rebuild_qtensor(storage, offset, size, stride, qparams, requires_grad, hooks)
        args.add(4, qparams);
        return new Pickle.Reduce(new Pickle.Global("torch._utils", "_rebuild_qtensor"), new Pickle.Tuple(args));
    }

    private String storeFloats(float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : values) {
            b.putFloat(f);
        }
        return storeBytes(b.array());
    }

    private String storeBytes(byte[] bytes) {
        String key = archive.newStorageKey();
        archive.put("data/" + key, bytes);
        return key;
    }

    // ---------------------------------------------------------------- code

    private void emitForward() {
        for (Value in : program.inputs) {
            fIdent.put(in, in.ident);
            afterDefinition(in, "    ");
        }
        Map<String, Value> current = new HashMap<>();
        program.inputs.forEach(v -> current.put(v.ident, v));
        for (FlatProgram.Statement s : program.statements) {
            String indent = "    " + "  ".repeat(s.depth);
            if (s.rhs != null) {
                statement(s, indent, current);
            }
            for (Value v : s.defines) {
                current.put(v.ident, v);
                if (s.rhs == null) {
                    fIdent.put(v, v.ident); // values a block leaves behind are float
                }
            }
        }
        List<TsToken> ret = TsToken.tokenize(program.returnExpr);
        String returned = TsToken.join(asFloat(ret, current, "    ", true));
        body.append("    return ").append(returned).append('\n');
    }

    private void statement(FlatProgram.Statement s, String indent, Map<String, Value> current) {
        Value def = s.defines.size() == 1 ? s.defines.get(0) : null;
        Kernel k = def == null ? null : kernels.get(def);
        if (k != null) {
            kernel(k, indent);
            return;
        }
        if (def != null && fusedRelus.containsKey(def)) {
            qIdent.put(def, qIdent.get(fusedRelus.get(def).output)); // the kernel applied it
            return;
        }
        List<TsToken> tokens = TsToken.tokenize(s.rhs);
        if (def != null && s.depth == 0 && def.kind == Kind.COMPUTED && !def.conditional
                && def.defOp != null && ON_QUANTIZED.contains(def.defOp) && !def.defArgs.isEmpty() && def.defArgs.get(0) != null
                && qIdent.containsKey(def.defArgs.get(0)) && !plan.fp32Nodes().contains(def.name)) {
            // runs on the quantized tensor; other arguments (sizes, lists) as they are
            Value x = def.defArgs.get(0);
            int open = firstOpen(tokens);
            List<TsToken> out = new ArrayList<>(tokens);
            List<List<TsToken>> args = TsToken.splitTopLevel(tokens, open + 1, tokens.size() - 1);
            int firstArgEnd = open + 1 + args.get(0).size();
            List<TsToken> rest = asFloat(new ArrayList<>(out.subList(firstArgEnd, out.size())), current, indent,
                    s.depth == 0);
            String q = qIdent.get(x);
            body.append(indent).append(def.ident).append(" = ").append(TsToken.join(out.subList(0, open + 1)))
                    .append(q).append(TsToken.join(rest)).append('\n');
            qIdent.put(def, def.ident);
            return;
        }
        boolean metadata = def != null && def.defOp != null && METADATA.contains(def.defOp);
        List<TsToken> text = metadata ? asQuantizedIfAny(tokens, current) : asFloat(tokens, current, indent, s.depth == 0);
        body.append(indent).append(s.lhs == null ? "" : s.lhs + " = ").append(TsToken.join(text)).append('\n');
        for (Value v : s.defines) {
            fIdent.put(v, v.ident);
            if (s.depth == 0 && !v.conditional) {
                afterDefinition(v, indent);
            }
        }
    }

    private void kernel(Kernel k, String indent) {
        String out = k.output.ident;
        String fused = k.relu != null ? "_relu(" : "(";
        // helper statements (quantize / dequantize of the inputs) go before the kernel's line
        String line = switch (k.kind) {
            case CONV -> "ops.quantized.conv2d" + fused + quantized(k.inputs.get(0), k.inQ.get(0), indent)
                    + ", self." + k.attr + "._packed_params, " + outGrid(k.outQ) + ")";
            case LINEAR -> "ops.quantized.linear" + fused + quantized(k.inputs.get(0), k.inQ.get(0), indent)
                    + ", self." + k.attr + "._packed_params, " + outGrid(k.outQ) + ")";
            // reduce_range: 7-bit activations, which fbgemm's AVX2 kernels need to avoid saturation
            case LINEAR_DYNAMIC -> "ops.quantized.linear_dynamic(" + floatOf(k.inputs.get(0), indent, true)
                    + ", self." + k.attr + "._packed_params, True)";
            case ADD -> {
                String a = quantized(k.inputs.get(0), k.inQ.get(0), indent);
                String b = quantized(k.inputs.get(1), k.inQ.get(1), indent);
                yield "ops.quantized.add" + fused + a + ", " + b + ", " + outGrid(k.outQ) + ")";
            }
        };
        body.append(indent).append(out).append(" = ").append(line).append('\n');
        if (k.kind == KernelKind.LINEAR_DYNAMIC) {
            fIdent.put(k.output, out);
            afterDefinition(k.output, indent);
            return;
        }
        qIdent.put(k.output, out);
        if (k.relu != null) {
            fusedRelus.put(k.relu, k);
        }
    }

    /** {@code scale, zero_point} of the quint8 grid equal to {@code q}'s grid. */
    private static String outGrid(ActivationQuantizer q) {
        return DjlPlanWriter.pyFloat(q.scale()) + ", " + (q.zeroPoint() - q.qmin());
    }

    /** After a float definition: quantize for the kernels that read it, or fake-quantize for float readers. */
    private void afterDefinition(Value v, String indent) {
        ActivationQuantizer q = activations.get(v);
        if (q == null || qIdent.containsKey(v)) {
            return;
        }
        if (quantizeEagerly.contains(v) && q.bits() == 8) {
            String name = "_pq" + temps++;
            body.append(indent).append(name).append(" = torch.quantize_per_tensor(").append(v.ident).append(", ")
                    .append(outGrid(q)).append(", ").append(QUINT8).append(")\n");
            qIdent.put(v, name);
            fIdent.remove(v); // float readers see the dequantized grid values, as compile(plan) simulates
        } else {
            body.append(indent).append(v.ident).append(" = torch.fake_quantize_per_tensor_affine(").append(v.ident)
                    .append(", ").append(DjlPlanWriter.pyFloat(q.scale())).append(", ").append(q.zeroPoint())
                    .append(", ").append(q.qmin()).append(", ").append(q.qmax()).append(")\n");
        }
    }

    /** The identifier of {@code v} as a quantized tensor, quantizing its float form on {@code q} if needed. */
    private String quantized(Value v, ActivationQuantizer q, String indent) {
        String id = qIdent.get(v);
        if (id != null) {
            return id;
        }
        String f = floatOf(v, indent, true);
        String name = "_pq" + temps++;
        body.append(indent).append(name).append(" = torch.quantize_per_tensor(").append(f).append(", ")
                .append(outGrid(q)).append(", ").append(QUINT8).append(")\n");
        qIdent.put(v, name);
        return name;
    }

    /** The identifier of {@code v} as a float tensor, dequantizing it if needed. */
    private String floatOf(Value v, String indent, boolean cache) {
        String id = fIdent.get(v);
        if (id != null) {
            return id;
        }
        String q = qIdent.get(v);
        if (q == null) {
            return v.ident;
        }
        String name = "_pf" + temps++;
        body.append(indent).append(name).append(" = torch.dequantize(").append(q).append(")\n");
        if (cache) {
            fIdent.put(v, name);
        }
        return name;
    }

    private List<TsToken> asFloat(List<TsToken> tokens, Map<String, Value> current, String indent, boolean cache) {
        List<TsToken> out = new ArrayList<>(tokens.size());
        for (int i = 0; i < tokens.size(); i++) {
            TsToken t = tokens.get(i);
            Value v = t.isIdent() && !(i > 0 && tokens.get(i - 1).is(".")) ? current.get(t.text()) : null;
            out.add(v == null ? t : TsToken.ident(floatOf(v, indent, cache), t.ws()));
        }
        return out;
    }

    private List<TsToken> asQuantizedIfAny(List<TsToken> tokens, Map<String, Value> current) {
        List<TsToken> out = new ArrayList<>(tokens.size());
        for (int i = 0; i < tokens.size(); i++) {
            TsToken t = tokens.get(i);
            Value v = t.isIdent() && !(i > 0 && tokens.get(i - 1).is(".")) ? current.get(t.text()) : null;
            String id = v == null ? null : fIdent.containsKey(v) ? fIdent.get(v) : qIdent.get(v);
            out.add(id == null ? t : TsToken.ident(id, t.ws()));
        }
        return out;
    }

    private static int firstOpen(List<TsToken> t) {
        for (int i = 0; i < t.size(); i++) {
            if (t.get(i).is("(")) {
                return i;
            }
        }
        return -1;
    }

    private String forwardDef() {
        StringBuilder def = new StringBuilder("  def forward(self: ").append(program.rootClass);
        for (String[] p : program.params) {
            def.append(",\n    ").append(p[0]).append(": ").append(p[1]);
        }
        def.append(") -> ").append(program.returnType).append(":\n").append(body);
        return def.toString();
    }

    /**
     * The quantized module classes, written as torch's code printer writes
     * {@code torch.ao.nn.quantized.Conv2d}: {@code __getstate__} unpacks, {@code __setstate__}
     * prepacks for the quantized engine in use when the archive loads.
     */
    static final String CLASS_SOURCE = """
            class QConv2d(Module):
              __parameters__ = []
              __buffers__ = []
              training : bool
              stride : Tuple[int, int]
              padding : Tuple[int, int]
              dilation : Tuple[int, int]
              groups : int
              _packed_params : __torch__.torch.classes.quantized.Conv2dPackedParamsBase
              def __getstate__(self: __torch__.pot4j.quantized.QConv2d) -> Tuple[Tensor, Optional[Tensor], Tuple[int, int], Tuple[int, int], Tuple[int, int], int, bool]:
                _packed_params = self._packed_params
                w, b, = (_packed_params).unpack()
                _0 = (w, b, self.stride, self.padding, self.dilation, self.groups, self.training)
                return _0
              def __setstate__(self: __torch__.pot4j.quantized.QConv2d,
                state: Tuple[Tensor, Optional[Tensor], Tuple[int, int], Tuple[int, int], Tuple[int, int], int, bool]) -> NoneType:
                self.stride = (state)[2]
                self.padding = (state)[3]
                self.dilation = (state)[4]
                self.groups = (state)[5]
                self.training = (state)[6]
                _0, _1, = (state)[2]
                _2, _3, = (state)[3]
                _4, _5, = (state)[4]
                _6 = ops.quantized.conv2d_prepack((state)[0], (state)[1], [_0, _1], [_2, _3], [_4, _5], (state)[5])
                self._packed_params = _6
                return None
            class QLinear(Module):
              __parameters__ = []
              __buffers__ = []
              training : bool
              _packed_params : __torch__.torch.classes.quantized.LinearPackedParamsBase
              def __getstate__(self: __torch__.pot4j.quantized.QLinear) -> Tuple[Tensor, Optional[Tensor], bool]:
                _packed_params = self._packed_params
                w, b, = ops.quantized.linear_unpack(_packed_params)
                _0 = (w, b, self.training)
                return _0
              def __setstate__(self: __torch__.pot4j.quantized.QLinear,
                state: Tuple[Tensor, Optional[Tensor], bool]) -> NoneType:
                self.training = (state)[2]
                _0 = ops.quantized.linear_prepack((state)[0], (state)[1])
                self._packed_params = _0
                return None
            """;
}
