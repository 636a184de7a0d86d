package org.pot4j.backend.djl;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
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
 * Applies a {@link QuantizationPlan} to a copy of a TorchScript archive, without Python: libtorch
 * recompiles the archive's code when it loads it, so the rewritten root {@code forward} (the
 * {@link FlatProgram} printed back) runs as written.
 *
 * <ul>
 *   <li>Weights: fake-quantized FP32 values written into the weight's storage record, or, with
 *   INT8 storage (for {@code save}), the int8 values in a new {@code CharStorage} record in the
 *   weight's slot, per-channel scales as a root attribute {@code _pot4j_ws<n>}, and
 *   {@code torch.mul(torch.to(w, 6), scale)} where the code reads the weight. Both give the same
 *   FP32 numbers ({@code q * scale} in float32).</li>
 *   <li>Bias shifts: added to the bias storage.</li>
 *   <li>Activations: {@code v = torch.fake_quantize_per_tensor_affine(v, scale, zp, qmin, qmax)}
 *   right after the statement that defines {@code v}.</li>
 *   <li>Extra outputs: the root {@code forward} returns {@code (outputs..., taps...)}; a tap is
 *   the value before any quantize-dequantize.</li>
 * </ul>
 */
final class DjlPlanWriter {
    private static final String TAP = "_pot4j_tap";

    private final DjlModel model;
    private final FlatProgram program;
    private final TorchScriptArchive archive;

    private DjlPlanWriter(DjlModel model) {
        this.model = model;
        this.program = model.program();
        this.archive = model.archive().copy();
    }

    /**
     * The archive bytes of {@code model} with {@code plan} applied and {@code taps} returned as extra outputs.
     *
     * @param int8Storage store quantized weights as int8 (save); else as fake-quantized FP32 (compile)
     */
    static byte[] write(DjlModel model, QuantizationPlan plan, List<String> taps, boolean int8Storage) {
        return new DjlPlanWriter(model).apply(plan, taps, int8Storage);
    }

    private byte[] apply(QuantizationPlan plan, List<String> tapNames, boolean int8Storage) {
        checkPlan(model, plan);
        Map<String, WeightQuantizer> int8 = new LinkedHashMap<>();
        Set<String> done = new HashSet<>();
        for (QuantizableNode node : model.quantizableNodes()) {
            if (plan.fp32Nodes().contains(node.id())) {
                continue;
            }
            WeightQuantizer q = plan.weights().get(node.id());
            if (q != null && done.add(node.weightName())) {
                if (int8Storage && q.bits() <= 8) {
                    int8.put(node.weightName(), q);
                } else {
                    program.tensors.get(node.weightName()).fakeQuantize(archive, q);
                }
            }
            float[] shift = plan.biasShifts().get(node.id());
            if (shift != null && node.hasBias()) {
                program.tensors.get(node.biasName()).addBiasShift(archive, shift, node.id());
            }
        }
        Map<Value, ActivationQuantizer> fakeQuant = new IdentityHashMap<>();
        Map<String, Value> byName = program.valuesByName();
        for (Map.Entry<String, ActivationQuantizer> e : plan.activations().entrySet()) {
            Value v = byName.get(e.getKey());
            if (v == null) {
                throw new Pot4jException(ErrorCode.CONFIG_INVALID, "the plan quantizes tensor '" + e.getKey()
                        + "' but " + model.displayName() + " has no such tensor; use names from the model's graph view");
            }
            if (!onlyFp32Consumers(model, e.getKey(), plan.fp32Nodes())) {
                fakeQuant.put(v, e.getValue());
            }
        }
        List<Value> taps = new ArrayList<>();
        for (String name : tapNames) {
            Value v = byName.get(name);
            if (v == null) {
                throw new Pot4jException(ErrorCode.CONFIG_INVALID, "cannot return tensor '" + name + "': "
                        + model.displayName() + " has no such tensor; known tensors include "
                        + byName.keySet().stream().limit(8).toList());
            }
            taps.add(v);
        }
        if (!fakeQuant.isEmpty() || !taps.isEmpty() || !int8.isEmpty()) {
            Map<String, String> rootAttributes = int8.isEmpty() ? Map.of() : storeInt8(int8);
            rewriteCode(fakeQuant, taps, rootAttributes);
        }
        if (int8Storage) {
            archive.putText(DjlModelOptions.EXTRA_RECORD, DjlModelOptions.record(model.inputs(),
                    model.outputs().stream().map(org.pot4j.api.model.TensorInfo::name).toList()));
            removeDebugRecords(archive);
        }
        return archive.toZip();
    }

    /** debug_pkl records only map code to source lines for error messages: not worth their size. */
    static void removeDebugRecords(TorchScriptArchive archive) {
        List<String> debug = new ArrayList<>();
        archive.names().forEach(n -> {
            if (n.endsWith(".debug_pkl")) {
                debug.add(n);
            }
        });
        debug.forEach(archive::remove);
    }

    /** Checks that the plan's node ids exist and its weight quantizers fit the weights. */
    static void checkPlan(DjlModel model, QuantizationPlan plan) {
        Set<String> ids = new HashSet<>();
        model.quantizableNodes().forEach(n -> ids.add(n.id()));
        for (String id : plan.weights().keySet()) {
            checkNode(model, ids, id, "a weight quantizer");
        }
        for (String id : plan.biasShifts().keySet()) {
            checkNode(model, ids, id, "a bias shift");
        }
        for (QuantizableNode node : model.quantizableNodes()) {
            WeightQuantizer q = plan.weights().get(node.id());
            if (q != null && !plan.fp32Nodes().contains(node.id())) {
                checkQuantizer(node, q);
            }
        }
    }

    private static void checkNode(DjlModel model, Set<String> ids, String id, String what) {
        if (!ids.contains(id)) {
            throw new Pot4jException(ErrorCode.CONFIG_INVALID, "the plan has " + what + " for node '" + id + "' but "
                    + model.displayName() + " has no such node; node ids are module paths such as "
                    + ids.stream().limit(5).toList());
        }
    }

    /** True when every node that lists {@code tensor} is kept in FP32 (and some node lists it). */
    static boolean onlyFp32Consumers(DjlModel model, String tensor, Set<String> fp32) {
        boolean listed = false;
        for (QuantizableNode n : model.quantizableNodes()) {
            if (n.activationInputs().contains(tensor) || n.activationOutputs().contains(tensor)) {
                listed = true;
                if (!fp32.contains(n.id())) {
                    return false;
                }
            }
        }
        return listed;
    }

    private static void checkQuantizer(QuantizableNode node, WeightQuantizer q) {
        long[] shape = node.weightShape();
        if (q.axis() >= shape.length || (q.axis() >= 0 && q.scales().length != shape[q.axis()])) {
            throw new Pot4jException(ErrorCode.CONFIG_INVALID, "weight quantizer of node '" + node.id() + "' has "
                    + q.scales().length + " scales on axis " + q.axis() + " but the weight has shape "
                    + java.util.Arrays.toString(shape));
        }
    }

    /** Channel index of every element (row-major) along {@code axis}; all 0 when per-tensor. */
    static int[] channels(long[] shape, int axis) {
        int n = 1;
        for (long d : shape) {
            n *= (int) d;
        }
        int[] c = new int[n];
        if (axis < 0) {
            return c;
        }
        int inner = 1;
        for (int d = axis + 1; d < shape.length; d++) {
            inner *= (int) shape[d];
        }
        int dim = (int) shape[axis];
        for (int i = 0; i < n; i++) {
            c[i] = (i / inner) % dim;
        }
        return c;
    }

    /**
     * Rewrites {@code data.pkl}: each weight slot gets an int8 tensor, the root gets the scale (and
     * zero point) tensors; returns the new root attributes and the weight-read expression for each.
     */
    private Map<String, String> storeInt8(Map<String, WeightQuantizer> int8) {
        Pickle.Obj root;
        try {
            root = (Pickle.Obj) PickleReader.read(archive.get("data.pkl"));
        } catch (IOException e) {
            throw new Pot4jException(ErrorCode.MODEL_CORRUPT, model.displayName() + ": data.pkl: " + e.getMessage(), e);
        }
        Map<String, String> dequant = new LinkedHashMap<>();
        Set<String> replacedKeys = new HashSet<>();
        int k = 0;
        for (Map.Entry<String, WeightQuantizer> e : int8.entrySet()) {
            String path = e.getKey();
            WeightQuantizer q = e.getValue();
            TorchTensorRecord w = program.tensors.get(path);
            byte[] bytes = w.quantizeInt8(archive, q); // q has at most 8 bits: saturating changes nothing
            String key = archive.newStorageKey();
            archive.put("data/" + key, bytes);
            Pickle.Obj owner = owner(model, root, path);
            String attr = path.substring(path.lastIndexOf('.') + 1);
            TorchTensorRecord old = TorchTensorRecord.of(TorchTensorRecord.attributes(owner).get(attr));
            replacedKeys.add(old.storageKey);
            TorchTensorRecord.attributes(owner).put(attr, TorchTensorRecord.create("CharStorage", key, w.size));

            long[] scaleShape = new long[Math.max(1, w.size.length)];
            java.util.Arrays.fill(scaleShape, 1);
            if (q.axis() >= 0) {
                scaleShape[q.axis()] = w.size[q.axis()];
            }
            String scaleAttr = "_pot4j_ws" + k;
            TorchTensorRecord.attributes(root).put(scaleAttr, floatTensor(toFloats(q.scales()), scaleShape));
            String expr = "torch.to(%s, 6)";
            if (!q.symmetric()) {
                String zpAttr = "_pot4j_wz" + k;
                float[] zp = new float[q.zeroPoints().length];
                for (int i = 0; i < zp.length; i++) {
                    zp[i] = q.zeroPoints()[i];
                }
                TorchTensorRecord.attributes(root).put(zpAttr, floatTensor(zp, scaleShape));
                expr = "torch.sub(" + expr + ", self." + zpAttr + ")";
            }
            dequant.put(path, "torch.mul(" + expr + ", self." + scaleAttr + ")");
            k++;
        }
        byte[] pkl = PickleWriter.write(root);
        archive.put("data.pkl", pkl);
        removeUnreferenced(archive, root, replacedKeys);
        return dequant;
    }

    /** Removes the storage records among {@code replacedKeys} that neither data.pkl nor constants.pkl still uses. */
    static void removeUnreferenced(TorchScriptArchive archive, Pickle.Obj root, Set<String> replacedKeys) {
        Set<String> referenced = new HashSet<>();
        collectStorageKeys(root, referenced, java.util.Collections.newSetFromMap(new IdentityHashMap<>()));
        if (archive.has("constants.pkl")) {
            try {
                collectStorageKeys(PickleReader.read(archive.get("constants.pkl")), referenced,
                        java.util.Collections.newSetFromMap(new IdentityHashMap<>()));
            } catch (IOException e) {
                referenced.addAll(replacedKeys); // cannot tell: keep everything
            }
        }
        for (String key : replacedKeys) {
            if (!referenced.contains(key)) {
                archive.remove("data/" + key);
            }
        }
    }

    private static float[] toFloats(float[] v) {
        return v.clone();
    }

    private Pickle.Reduce floatTensor(float[] values, long[] shape) {
        String key = archive.newStorageKey();
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : values) {
            b.putFloat(f);
        }
        archive.put("data/" + key, b.array());
        return TorchTensorRecord.create("FloatStorage", key, shape);
    }

    static Pickle.Obj owner(DjlModel model, Pickle.Obj root, String path) {
        String[] parts = path.split("\\.");
        Pickle.Obj o = root;
        for (int i = 0; i < parts.length - 1; i++) {
            Object next = TorchTensorRecord.attributes(o).get(parts[i]);
            if (!(next instanceof Pickle.Obj obj)) {
                throw new Pot4jException(ErrorCode.INTERNAL, "no module at " + path + " in " + model.displayName());
            }
            o = obj;
        }
        return o;
    }

    private static void collectStorageKeys(Object o, Set<String> keys, Set<Object> seen) {
        if (o == null || o instanceof String || o instanceof Number || o instanceof Boolean || !seen.add(o)) {
            return;
        }
        if (o instanceof Pickle.PersistentId p && p.id instanceof Pickle.Tuple t && t.size() > 2) {
            keys.add(String.valueOf(t.get(2)));
        } else if (o instanceof Pickle.Tuple t) {
            t.items.forEach(i -> collectStorageKeys(i, keys, seen));
        } else if (o instanceof List<?> l) {
            l.forEach(i -> collectStorageKeys(i, keys, seen));
        } else if (o instanceof Map<?, ?> m) {
            m.values().forEach(i -> collectStorageKeys(i, keys, seen));
        } else if (o instanceof Pickle.Reduce r) {
            collectStorageKeys(r.args, keys, seen);
            collectStorageKeys(r.state, keys, seen);
        } else if (o instanceof Pickle.Obj ob) {
            collectStorageKeys(ob.state, keys, seen);
        }
    }

    /** Replaces the root class's forward with the flat program plus quantize-dequantize and taps. */
    private void rewriteCode(Map<Value, ActivationQuantizer> fakeQuant, List<Value> taps, Map<String, String> dequant) {
        Map<Value, List<Integer>> tapIndex = new IdentityHashMap<>();
        for (int i = 0; i < taps.size(); i++) {
            tapIndex.computeIfAbsent(taps.get(i), v -> new ArrayList<>()).add(i);
        }
        StringBuilder body = new StringBuilder();
        for (Value in : program.inputs) {
            afterDefinition(body, "    ", in, fakeQuant, tapIndex);
        }
        for (FlatProgram.Statement s : program.statements) {
            String indent = "    " + "  ".repeat(s.depth);
            if (s.rhs != null) {
                String text = s.text();
                if (s.defines.size() == 1 && s.defines.get(0).kind == Kind.PARAM
                        && dequant.containsKey(s.defines.get(0).path)) {
                    text = s.lhs + " = " + String.format(dequant.get(s.defines.get(0).path), s.rhs);
                }
                body.append(indent).append(text).append('\n');
            }
            for (Value v : s.defines) {
                afterDefinition(body, indent, v, fakeQuant, tapIndex);
            }
        }
        String returnType = program.returnType;
        String ret = program.returnExpr;
        if (!taps.isEmpty()) {
            List<String> outputs = new ArrayList<>();
            List<String> types = new ArrayList<>();
            if (returnType.equals("Tensor")) {
                outputs.add(ret);
                types.add("Tensor");
            } else if (returnType.startsWith("Tuple[")) {
                List<String> elementTypes = DjlModel.tupleElementTypes(returnType);
                StringBuilder unpack = new StringBuilder();
                for (int i = 0; i < elementTypes.size(); i++) {
                    outputs.add("_pot4j_o" + i);
                    unpack.append("_pot4j_o").append(i).append(", ");
                }
                body.append("    ").append(unpack.toString().trim()).append(" = ").append(ret).append('\n');
                types.addAll(elementTypes);
            } else {
                throw new Pot4jException(ErrorCode.MODEL_UNSUPPORTED, model.displayName() + ": forward returns "
                        + returnType + "; extra outputs need a Tensor or Tuple result");
            }
            for (int i = 0; i < taps.size(); i++) {
                outputs.add(TAP + i);
                types.add("Tensor");
            }
            ret = "(" + String.join(", ", outputs) + ")";
            returnType = "Tuple[" + String.join(", ", types) + "]";
        }
        body.append("    return ").append(ret).append('\n');

        StringBuilder def = new StringBuilder("  def forward(self: ").append(program.rootClass);
        for (String[] p : program.params) {
            def.append(",\n    ").append(p[0]).append(": ").append(p[1]);
        }
        def.append(") -> ").append(returnType).append(":\n").append(body);

        spliceRootForward(archive, program, def.toString(), newRootAttributes(dequant).stream()
                .map(a -> a + " : Tensor").toList());
    }

    /**
     * Replaces the root class's forward by {@code def} (printed at class-member indentation) and
     * declares {@code attributes} ({@code "name : Type"}) before the class's first method.
     */
    static void spliceRootForward(TorchScriptArchive archive, FlatProgram program, String def, List<String> attributes) {
        TsSourceFile file = new TsSourceFile(program.rootRecord, archive.text(program.rootRecord));
        String simpleName = program.rootClass.substring(program.rootClass.lastIndexOf('.') + 1);
        TsSourceFile.TsClass cls = file.classes.get(simpleName);
        TsSourceFile.TsMethod forward = cls.methods.get("forward");
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < file.lines.size(); i++) {
            if (i == cls.firstDefLine) {
                for (String attr : attributes) {
                    out.append("  ").append(attr).append('\n');
                }
            }
            if (i == forward.startLine) {
                out.append(def);
            }
            if (i >= forward.startLine && i < forward.endLine) {
                continue;
            }
            out.append(file.lines.get(i));
            if (i < file.lines.size() - 1) {
                out.append('\n');
            }
        }
        archive.putText(program.rootRecord, out.toString());
        archive.remove(program.rootRecord + ".debug_pkl"); // its source ranges no longer match
    }

    private static List<String> newRootAttributes(Map<String, String> dequant) {
        List<String> attrs = new ArrayList<>();
        for (String expr : dequant.values()) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("self\\.(_pot4j_w[sz]\\d+)").matcher(expr);
            while (m.find()) {
                attrs.add(m.group(1));
            }
        }
        return attrs;
    }

    private static void afterDefinition(StringBuilder body, String indent, Value v,
            Map<Value, ActivationQuantizer> fakeQuant, Map<Value, List<Integer>> tapIndex) {
        for (int i : tapIndex.getOrDefault(v, List.of())) {
            body.append(indent).append(TAP).append(i).append(" = ").append(v.ident).append('\n');
        }
        ActivationQuantizer q = fakeQuant.get(v);
        if (q != null) {
            body.append(indent).append(v.ident).append(" = torch.fake_quantize_per_tensor_affine(").append(v.ident)
                    .append(", ").append(pyFloat(q.scale())).append(", ").append(q.zeroPoint()).append(", ")
                    .append(q.qmin()).append(", ").append(q.qmax()).append(")\n");
        }
    }

    /** A Python float literal that parses back to exactly {@code f}. */
    static String pyFloat(float f) {
        return Double.toString(f).replace('E', 'e');
    }
}
