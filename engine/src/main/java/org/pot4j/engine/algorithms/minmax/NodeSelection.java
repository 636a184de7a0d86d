package org.pot4j.engine.algorithms.minmax;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.graph.NodeKind;
import org.pot4j.api.model.BackendCapability;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.QuantizableNode;

/**
 * Which nodes get quantized and which activation tensors get quantizers. A tensor gets one
 * quantizer however many quantized nodes list it (NNCF's quantizer groups share it).
 *
 * @param quantized         nodes to quantize, in topological order
 * @param fp32              nodes kept in FP32, with the reason
 * @param activationTensors tensors that get an activation quantizer, in first-use order
 */
public record NodeSelection(List<QuantizableNode> quantized, Map<String, String> fp32, List<String> activationTensors) {
    /** Copies. */
    public NodeSelection {
        quantized = List.copyOf(quantized);
        fp32 = Collections.unmodifiableMap(new LinkedHashMap<>(fp32));
        activationTensors = List.copyOf(activationTensors);
    }

    /**
     * Applies the ignored scope, transformer mode and the backend's capabilities to the model's
     * quantizable nodes.
     *
     * @throws Pot4jException {@code NO_QUANTIZABLE_NODES} when nothing is left to quantize,
     *                        {@code CONFIG_INVALID} when the ignored scope names unknown nodes
     */
    public static NodeSelection select(Model model, MinMaxParameters params, Set<BackendCapability> caps) {
        List<QuantizableNode> nodes = model.quantizableNodes();
        if (nodes.isEmpty()) {
            throw new Pot4jException(ErrorCode.NO_QUANTIZABLE_NODES, "model " + model.path() + " has no node that pot4j can quantize"
                    + " (no convolution, matrix multiplication or other op the " + model.backendName()
                    + " backend quantizes); quantization would not change it");
        }
        params.ignored().check(model, nodes);
        boolean activations = caps.contains(BackendCapability.ACTIVATION_QUANTIZATION);
        List<QuantizableNode> quantized = new ArrayList<>();
        Map<String, String> fp32 = new LinkedHashMap<>();
        for (QuantizableNode n : nodes) {
            String reason = params.ignored().reason(n);
            if (reason == null && params.transformer() && !n.hasWeight() && TransformerOps.keptInFp32(n.kind())) {
                reason = "model_type transformer keeps " + n.opType() + " in FP32";
            }
            if (reason == null && params.dynamicActivations() && !n.hasWeight()
                    && n.kind() == NodeKind.MATMUL) {
                // as ONNX Runtime's own dynamic quantizer: on MiniLM, quantizing the attention MatMuls statically
                // next to dynamic linear layers added 25 QuantizeLinear nodes and no accuracy (sentence cosine
                // 0.9929 with them, 0.9931 without)
                reason = "dynamic activations keep activation-by-activation MatMuls in FP32";
            }
            if (reason == null && !n.hasWeight() && !activations) {
                reason = "backend " + model.backendName() + " cannot quantize activations";
            }
            if (reason == null) {
                quantized.add(n);
            } else {
                fp32.put(n.id(), reason);
            }
        }
        if (quantized.isEmpty()) {
            throw new Pot4jException(ErrorCode.NO_QUANTIZABLE_NODES, "all " + nodes.size() + " quantizable nodes of model "
                    + model.path() + " are excluded (" + summarize(fp32) + "); narrow the ignored scope");
        }
        Set<String> tensors = new LinkedHashSet<>();
        if (activations) {
            for (QuantizableNode n : quantized) {
                tensors.addAll(n.activationInputs());
                tensors.addAll(n.activationOutputs());
            }
        }
        return new NodeSelection(quantized, fp32, new ArrayList<>(tensors));
    }

    private static String summarize(Map<String, String> fp32) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        fp32.values().forEach(r -> counts.merge(r.startsWith("ignored") ? "ignored scope" : r, 1, Integer::sum));
        return counts.toString();
    }
}
