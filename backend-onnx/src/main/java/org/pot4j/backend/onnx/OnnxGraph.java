package org.pot4j.backend.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.backend.onnx.proto.OnnxProtos.AttributeProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.GraphProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.ModelProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.NodeProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.TensorProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.ValueInfoProto;

/**
 * Read-only index of a normalized graph: who produces and who consumes each tensor, which tensors
 * are initializers, and the element type and shape of every tensor. Types and shapes come from ONNX
 * Runtime itself: the graph is opened once, unoptimized, with every node output exposed as a graph
 * output, and ORT's shape inference fills them in. This also proves at load time that ORT accepts
 * the model.
 */
final class OnnxGraph {
    /**
     * Element type (ONNX enum value, 0 when unknown), shape ({@code -1} for dynamic dims, null when unknown)
     * and the names ORT's shape inference gave the dynamic dims ({@code ""} when it gave none; null when
     * not known): a graph cut out of this one must declare them so, or ORT fuses it differently
     * (see OnnxSuffixCutter.valueInfo).
     */
    record ValueType(int elemType, long[] shape, String[] dimNames) {
        ValueType(int elemType, long[] shape) {
            this(elemType, shape, null);
        }

        int rank() {
            return shape == null ? -1 : shape.length;
        }
    }

    private final ModelProto model;
    private final List<NodeProto> nodes;
    private final Map<String, TensorProto> initializers = new LinkedHashMap<>();
    private final Map<String, Integer> producer = new HashMap<>();
    private final Map<String, List<Integer>> consumers = new HashMap<>();
    private final List<String> inputs = new ArrayList<>();
    private final List<String> outputs = new ArrayList<>();
    private final Map<String, ValueType> types;
    private final long opset;

    private OnnxGraph(ModelProto model, Map<String, ValueType> types) {
        this.model = model;
        GraphProto g = model.getGraph();
        this.nodes = g.getNodeList();
        for (TensorProto t : g.getInitializerList()) {
            initializers.put(t.getName(), t);
        }
        for (ValueInfoProto v : g.getInputList()) {
            if (!initializers.containsKey(v.getName())) {
                inputs.add(v.getName());
            }
        }
        for (ValueInfoProto v : g.getOutputList()) {
            outputs.add(v.getName());
        }
        for (int i = 0; i < nodes.size(); i++) {
            NodeProto n = nodes.get(i);
            for (String out : n.getOutputList()) {
                if (!out.isEmpty()) {
                    producer.put(out, i);
                }
            }
            Set<String> seen = new LinkedHashSet<>(n.getInputList());
            for (String in : seen) {
                if (!in.isEmpty()) {
                    consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(i);
                }
            }
        }
        this.types = types;
        this.opset = OnnxModelReader.defaultOpset(model);
    }

    /**
     * Indexes {@code model} and asks ONNX Runtime for the type and shape of every tensor.
     *
     * @throws Pot4jException {@code MODEL_CORRUPT} or {@code MODEL_UNSUPPORTED} when ORT rejects the model
     */
    static OnnxGraph create(ModelProto model, OrtEnvironment env, Path file) {
        return new OnnxGraph(model, probeTypes(model, env, file));
    }

    ModelProto model() {
        return model;
    }

    List<NodeProto> nodes() {
        return nodes;
    }

    NodeProto node(int index) {
        return nodes.get(index);
    }

    long opset() {
        return opset;
    }

    /** Graph inputs that are not initializers, in model order. */
    List<String> inputs() {
        return Collections.unmodifiableList(inputs);
    }

    /** Graph outputs, in model order. */
    List<String> outputs() {
        return Collections.unmodifiableList(outputs);
    }

    boolean isGraphOutput(String tensor) {
        return outputs.contains(tensor);
    }

    TensorProto initializer(String name) {
        return initializers.get(name);
    }

    boolean isInitializer(String name) {
        return initializers.containsKey(name);
    }

    Map<String, TensorProto> initializers() {
        return Collections.unmodifiableMap(initializers);
    }

    /** Index of the node producing {@code tensor}, or -1 for graph inputs and initializers. */
    int producer(String tensor) {
        return producer.getOrDefault(tensor, -1);
    }

    /** Indices of nodes reading {@code tensor} (each once), in graph order. */
    List<Integer> consumers(String tensor) {
        return consumers.getOrDefault(tensor, List.of());
    }

    /** True when {@code tensor} is a graph input or a node output. */
    boolean hasTensor(String tensor) {
        return inputs.contains(tensor) || producer.containsKey(tensor);
    }

    ValueType type(String tensor) {
        TensorProto init = initializers.get(tensor);
        if (init != null) {
            return new ValueType(init.getDataType(), OnnxTensorProtos.shape(init));
        }
        return types.getOrDefault(tensor, new ValueType(0, null));
    }

    /** True for a runtime-computed (not initializer) FLOAT tensor. */
    boolean isFloatActivation(String tensor) {
        return !tensor.isEmpty() && !isInitializer(tensor) && type(tensor).elemType() == OnnxTensorProtos.FLOAT;
    }

    /** True for an op of the default ONNX domain (custom-domain ops are opaque to pot4j). */
    static boolean isStandard(NodeProto n) {
        return n.getDomain().isEmpty() || n.getDomain().equals("ai.onnx");
    }

    /** True when the graph already holds quantization ops. */
    boolean isAlreadyQuantized() {
        return OnnxOpClasses.anyQuantized(nodes);
    }

    /** An integer attribute of a node, or {@code fallback}. */
    static long intAttribute(NodeProto n, String name, long fallback) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a.getI();
            }
        }
        return fallback;
    }

    private static Map<String, ValueType> probeTypes(ModelProto model, OrtEnvironment env, Path file) {
        GraphProto g = model.getGraph();
        Set<String> declared = new LinkedHashSet<>();
        for (ValueInfoProto v : g.getOutputList()) {
            declared.add(v.getName());
        }
        GraphProto.Builder gb = g.toBuilder();
        for (NodeProto n : g.getNodeList()) {
            for (String out : n.getOutputList()) {
                if (!out.isEmpty() && declared.add(out)) {
                    gb.addOutput(ValueInfoProto.newBuilder().setName(out));
                }
            }
        }
        byte[] bytes = model.toBuilder().setGraph(gb).build().toByteArray();
        Map<String, ValueType> types = new HashMap<>();
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
            so.setIntraOpNumThreads(1);
            try (OrtSession session = env.createSession(bytes, so)) {
                collect(session.getInputInfo(), types);
                collect(session.getOutputInfo(), types);
            }
        } catch (OrtException e) {
            ErrorCode code = e.getCode() == OrtException.OrtErrorCode.ORT_NOT_IMPLEMENTED
                    ? ErrorCode.MODEL_UNSUPPORTED : ErrorCode.MODEL_CORRUPT;
            String msg = firstLine(e.getMessage());
            if (code == ErrorCode.MODEL_UNSUPPORTED) {
                throw new Pot4jException(code, file + " uses something ONNX Runtime "
                        + OnnxVersions.onnxRuntime() + " cannot run (" + msg + ")", e);
            }
            throw OnnxModelReader.corrupt(file, "ONNX Runtime rejects it: " + msg, e);
        }
        return types;
    }

    private static void collect(Map<String, NodeInfo> infos, Map<String, ValueType> into) {
        for (NodeInfo ni : infos.values()) {
            if (ni.getInfo() instanceof TensorInfo ti) {
                into.put(ni.getName(), new ValueType(onnxElemType(ti.onnxType), ti.getShape(), ti.getDimensionNames()));
            }
        }
    }

    /** ORT's Java enum numbers element types its own way; map by name to the ONNX enum. */
    private static int onnxElemType(TensorInfo.OnnxTensorType t) {
        String name = t.name().replace("ONNX_TENSOR_ELEMENT_DATA_TYPE_", "");
        try {
            return TensorProto.DataType.valueOf(name).getNumber();
        } catch (IllegalArgumentException e) {
            return 0;
        }
    }

    static String firstLine(String s) {
        if (s == null) {
            return "no message";
        }
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).trim();
    }
}
