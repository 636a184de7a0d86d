package org.pot4j.backend.djl;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pot4j.api.model.QuantizableNode;
import org.pot4j.backend.djl.FlatProgram.Kind;
import org.pot4j.backend.djl.FlatProgram.Value;

/**
 * Where activation quantizers go in a TorchScript program: the same layout the ONNX backend uses
 * for ONNX Runtime's integer kernels, so the same network quantized as TorchScript or as ONNX is
 * simulated alike.
 * <ul>
 * <li>Conv: its input, and its output after a single ReLU/clamp when that is the output's only
 * reader (else the output itself); transposed convs get no output quantizer.</li>
 * <li>Linear / MatMul with a weight: its input only.</li>
 * <li>Weightless nodes: a residual {@code torch.add} with a conv output among its inputs (inputs and
 * output), and global / average pooling (input and output).</li>
 * <li>Inputs are traced back through ops that do not change values (max pooling, flatten, reshape,
 * view, transpose, permute, squeeze, unsqueeze, contiguous): the quantizer sits on the source
 * tensor, and values stay on its grid after those ops.</li>
 * </ul>
 * Node ids: weight owner module path for conv/linear, the output tensor name for weightless nodes.
 */
final class DjlQuantizerLayout {
    static final Set<String> TRANSPARENT = Set.of("torch.max_pool1d", "torch.max_pool2d", "torch.max_pool3d",
            "torch.flatten", "torch.reshape", "torch.view", "torch.transpose", "torch.permute", "torch.squeeze",
            "torch.unsqueeze", "torch.contiguous");
    private static final Set<String> FOLDABLE = Set.of("torch.relu", "torch.relu_", "torch.clamp", "torch.clip",
            "torch.hardtanh", "torch.relu6");
    private static final Set<String> ADDS = Set.of("torch.add", "torch.add_");
    private static final Set<String> POOLS = Set.of("torch.adaptive_avg_pool1d", "torch.adaptive_avg_pool2d",
            "torch.adaptive_avg_pool3d", "torch.avg_pool1d", "torch.avg_pool2d", "torch.avg_pool3d");

    private DjlQuantizerLayout() {
    }

    /** The quantizable nodes of {@code program}, in program order. */
    static List<QuantizableNode> nodes(FlatProgram program) {
        Map<Value, List<Value>> readers = new IdentityHashMap<>();
        for (Value v : program.values) {
            for (Value a : v.defArgs) {
                if (a != null) {
                    readers.computeIfAbsent(a, k -> new ArrayList<>()).add(v);
                }
            }
        }
        Map<Value, Boolean> convOutputs = new IdentityHashMap<>();
        program.ops.forEach(op -> convOutputs.put(op.output, op.opType.startsWith("Conv")));

        List<Object[]> ordered = new ArrayList<>(); // {statement, node}
        Map<String, Integer> seen = new HashMap<>();
        for (FlatProgram.Op op : program.ops) {
            String base = op.weightPath.endsWith(".weight")
                    ? op.weightPath.substring(0, op.weightPath.length() - ".weight".length()) : op.weightPath;
            int n = seen.merge(base, 1, Integer::sum);
            String id = n == 1 ? base : base + "#" + n;
            boolean conv = op.opType.startsWith("Conv");
            List<String> outs = conv && !op.opType.startsWith("ConvTranspose")
                    ? List.of(afterFoldable(op.output, readers).name) : List.of();
            QuantizableNode node = new QuantizableNode(id, op.opType, List.of(source(op.input).name), outs, op.weightPath,
                    program.tensors.get(op.weightPath).size, op.weightChannelAxis, op.biasPath, op.output.name, 1);
            ordered.add(new Object[] {op.statement, node});
        }
        for (Value v : program.values) {
            if (v.kind != Kind.COMPUTED || v.conditional || v.defOp == null) {
                continue;
            }
            List<String> ins = new ArrayList<>();
            String opType = null;
            if (ADDS.contains(v.defOp) && v.defArgs.size() >= 2 && v.defArgs.get(0) != null && v.defArgs.get(1) != null
                    && (convOutputs.getOrDefault(v.defArgs.get(0), false) || convOutputs.getOrDefault(v.defArgs.get(1), false))) {
                opType = "Add";
                ins.add(source(v.defArgs.get(0)).name);
                ins.add(source(v.defArgs.get(1)).name);
            } else if (POOLS.contains(v.defOp) && !v.defArgs.isEmpty() && v.defArgs.get(0) != null) {
                boolean global = v.defOp.startsWith("torch.adaptive") && v.defArgTexts.size() > 1
                        && v.defArgTexts.get(1).replace(" ", "").matches("\\[1(,1)*\\]");
                opType = global ? "GlobalAveragePool" : "AveragePool";
                ins.add(source(v.defArgs.get(0)).name);
            }
            if (opType != null) {
                QuantizableNode node = new QuantizableNode(v.name, opType, ins, List.of(afterFoldable(v, readers).name),
                        null, null, 0, null, v.name, 1);
                ordered.add(new Object[] {v.statement, node});
            }
        }
        ordered.sort(Comparator.comparingInt(o -> (Integer) o[0]));
        return ordered.stream().map(o -> (QuantizableNode) o[1]).toList();
    }

    /** The value that holds the same numbers as {@code v} before value-preserving ops. */
    private static Value source(Value v) {
        Value s = v;
        while (s.kind == Kind.COMPUTED && !s.conditional && s.defOp != null && TRANSPARENT.contains(s.defOp)
                && !s.defArgs.isEmpty() && s.defArgs.get(0) != null) {
            s = s.defArgs.get(0);
        }
        return s;
    }

    /** {@code v}'s single ReLU-like reader when it is the only one, else {@code v}. */
    private static Value afterFoldable(Value v, Map<Value, List<Value>> readers) {
        List<Value> r = readers.getOrDefault(v, List.of());
        if (v.uses == 1 && r.size() == 1 && FOLDABLE.contains(r.get(0).defOp) && !r.get(0).conditional) {
            return r.get(0);
        }
        return v;
    }
}
