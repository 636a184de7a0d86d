package org.pot4j.backend.onnx.benchmarks;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.pot4j.backend.onnx.proto.OnnxProtos.ModelProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.NodeProto;

/**
 * What ONNX Runtime really runs: the graph it writes with {@code setOptimizedModelFilePath},
 * summarized as the number of QuantizeLinear/DequantizeLinear nodes left and the op types of the
 * float nodes that sit between a DequantizeLinear and a QuantizeLinear ("islands": each converts
 * from 8 bits to float and back); {@code -Doptimized.dir=DIR} keeps the optimized graphs. Used by {@code OnnxLatencyBenchmark --islands}.
 */
final class OnnxFloatIslands {
    private OnnxFloatIslands() {
    }

    static String describe(OrtEnvironment env, Path model, int threads) throws OrtException, IOException {
        Path out = Files.createTempFile("pot4j-optimized", ".onnx");
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setIntraOpNumThreads(threads);
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            so.setOptimizedModelFilePath(out.toString());
            env.createSession(model.toString(), so).close();
            ModelProto g = ModelProto.parseFrom(Files.readAllBytes(out));
            Map<String, NodeProto> producer = new HashMap<>();
            Map<String, List<NodeProto>> consumers = new HashMap<>();
            Map<String, Integer> ops = new TreeMap<>();
            for (NodeProto n : g.getGraph().getNodeList()) {
                ops.merge(n.getOpType(), 1, Integer::sum);
                n.getOutputList().forEach(o -> producer.put(o, n));
                n.getInputList().forEach(i -> consumers.computeIfAbsent(i, k -> new ArrayList<>()).add(n));
            }
            Map<String, Integer> islands = new TreeMap<>();
            for (NodeProto n : g.getGraph().getNodeList()) {
                if (n.getOpType().equals("QuantizeLinear") || n.getOpType().equals("DequantizeLinear")) {
                    continue;
                }
                boolean fromDq = n.getInputList().stream().map(producer::get)
                        .anyMatch(p -> p != null && p.getOpType().equals("DequantizeLinear"));
                boolean intoQ = n.getOutputList().stream().flatMap(o -> consumers.getOrDefault(o, List.of()).stream())
                        .anyMatch(c -> c.getOpType().equals("QuantizeLinear"));
                if (fromDq && intoQ) {
                    islands.merge(n.getOpType(), 1, Integer::sum);
                }
            }
            return "Q " + ops.getOrDefault("QuantizeLinear", 0) + ", DQ " + ops.getOrDefault("DequantizeLinear", 0)
                    + ", QLinearConv " + ops.getOrDefault("QLinearConv", 0) + ", float Conv "
                    + (ops.getOrDefault("Conv", 0) + ops.getOrDefault("FusedConv", 0)) + ", islands " + islands;
        } finally {
            String keep = System.getProperty("optimized.dir");
            if (keep != null) {
                Files.createDirectories(Path.of(keep));
                Files.move(out, Path.of(keep, model.getFileName().toString()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            Files.deleteIfExists(out);
        }
    }
}
