package org.pot4j.backend.onnx;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pot4j.backend.onnx.proto.OnnxProtos.AttributeProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.GraphProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.ModelProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.NodeProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.TensorProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.ValueInfoProto;

/**
 * Rewrites a loaded graph into the shape the QDQ writer needs, without changing what it computes:
 * {@code Constant} nodes become initializers, {@code Identity} nodes between an initializer and its
 * consumers are folded away (torch's exporter puts them in front of shared weights; ORT only fuses a
 * Conv into QLinearConv when its weight reaches the DequantizeLinear straight from an initializer),
 * a {@code BatchNormalization} right after a Conv is folded into the Conv's weight and bias (as ORT
 * does for FP32; a quantized Conv followed by a float BatchNormalization could not fuse its Relu),
 * and every node gets a unique name, which becomes its stable id in plans and reports.
 */
final class OnnxGraphNormalizer {
    private OnnxGraphNormalizer() {
    }

    static ModelProto normalize(ModelProto model) {
        GraphProto g = model.getGraph();
        Set<String> graphOutputs = new HashSet<>();
        for (ValueInfoProto o : g.getOutputList()) {
            graphOutputs.add(o.getName());
        }
        Map<String, TensorProto> initializers = new HashMap<>();
        for (TensorProto t : g.getInitializerList()) {
            initializers.put(t.getName(), t);
        }
        // names that subgraphs (If/Loop bodies) read from this scope must keep existing
        Set<String> subgraphReads = new HashSet<>();
        for (NodeProto n : g.getNodeList()) {
            collectSubgraphReads(n, subgraphReads);
        }
        List<TensorProto> newInitializers = new ArrayList<>();
        Map<String, String> rename = new HashMap<>();
        List<NodeProto> kept = new ArrayList<>();
        for (NodeProto n : g.getNodeList()) {
            if (n.getOpType().equals("Constant") && n.getDomain().isEmpty() && n.getOutputCount() == 1
                    && !graphOutputs.contains(n.getOutput(0))) {
                TensorProto value = constantValue(n);
                if (value != null) {
                    TensorProto t = value.toBuilder().setName(n.getOutput(0)).build();
                    newInitializers.add(t);
                    initializers.put(t.getName(), t);
                    continue;
                }
            }
            if (n.getOpType().equals("Identity") && n.getDomain().isEmpty() && n.getInputCount() == 1
                    && n.getOutputCount() == 1 && !graphOutputs.contains(n.getOutput(0))
                    && !subgraphReads.contains(n.getOutput(0))) {
                String src = rename.getOrDefault(n.getInput(0), n.getInput(0));
                if (initializers.containsKey(src)) {
                    rename.put(n.getOutput(0), src);
                    continue;
                }
            }
            kept.add(n);
        }
        Set<String> maybeUnused = new HashSet<>();
        kept = foldBatchNorms(kept, initializers, newInitializers, graphOutputs, rename, maybeUnused);
        GraphProto.Builder gb = g.toBuilder().clearNode().addAllInitializer(newInitializers);
        Set<String> usedNames = new HashSet<>();
        for (NodeProto n : kept) {
            if (!n.getName().isEmpty()) {
                usedNames.add(n.getName());
            }
        }
        Set<String> assigned = new HashSet<>();
        int index = 0;
        for (NodeProto n : kept) {
            NodeProto.Builder nb = n.toBuilder();
            for (int i = 0; i < nb.getInputCount(); i++) {
                String r = rename.get(nb.getInput(i));
                if (r != null) {
                    nb.setInput(i, r);
                }
            }
            String name = n.getName();
            if (name.isEmpty() || assigned.contains(name)) {
                String base = n.getOpType() + "_" + index;
                name = base;
                for (int k = 1; usedNames.contains(name) || assigned.contains(name); k++) {
                    name = base + "_" + k;
                }
                nb.setName(name);
            }
            assigned.add(name);
            gb.addNode(nb);
            index++;
        }
        dropUnused(gb, maybeUnused, subgraphReads);
        return model.toBuilder().setGraph(gb).build();
    }

    /** Removes the {@code candidates} no node, output or input reads any more (weights replaced by folding). */
    private static void dropUnused(GraphProto.Builder gb, Set<String> candidates, Set<String> subgraphReads) {
        if (candidates.isEmpty()) {
            return;
        }
        Set<String> used = new HashSet<>(subgraphReads);
        for (NodeProto n : gb.getNodeList()) {
            used.addAll(n.getInputList());
        }
        for (ValueInfoProto v : gb.getOutputList()) {
            used.add(v.getName());
        }
        for (ValueInfoProto v : gb.getInputList()) {
            used.add(v.getName());
        }
        List<TensorProto> keep = new ArrayList<>();
        for (TensorProto t : gb.getInitializerList()) {
            if (!candidates.contains(t.getName()) || used.contains(t.getName())) {
                keep.add(t);
            }
        }
        gb.clearInitializer().addAllInitializer(keep);
    }

    /**
     * Folds {@code Conv -> BatchNormalization} pairs (inference mode, constant parameters, the Conv
     * output read by the BN alone): w' = w * gamma / sqrt(var + eps) per output channel,
     * b' = (b - mean) * gamma / sqrt(var + eps) + beta. The Conv then writes the BN's output.
     */
    private static List<NodeProto> foldBatchNorms(List<NodeProto> nodes, Map<String, TensorProto> inits,
                                                  List<TensorProto> added, Set<String> graphOutputs,
                                                  Map<String, String> rename, Set<String> replaced) {
        Map<String, Integer> readers = new HashMap<>();
        for (NodeProto n : nodes) {
            for (String in : n.getInputList()) {
                readers.merge(rename.getOrDefault(in, in), 1, Integer::sum);
            }
        }
        Map<String, Integer> producers = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            for (String out : nodes.get(i).getOutputList()) {
                producers.put(out, i);
            }
        }
        List<NodeProto> out = new ArrayList<>(nodes);
        Set<Integer> removed = new HashSet<>();
        for (int i = 0; i < nodes.size(); i++) {
            NodeProto bn = nodes.get(i);
            if (!bn.getOpType().equals("BatchNormalization") || !bn.getDomain().isEmpty() || bn.getInputCount() != 5
                    || bn.getOutputCount() != 1) {
                continue;
            }
            Integer ci = producers.get(bn.getInput(0));
            if (ci == null || removed.contains(ci)) {
                continue;
            }
            NodeProto conv = out.get(ci);
            String convOut = conv.getOutput(0);
            if (!conv.getOpType().equals("Conv") || !conv.getDomain().isEmpty() || conv.getInputCount() < 2
                    || readers.getOrDefault(convOut, 0) != 1 || graphOutputs.contains(convOut)) {
                continue;
            }
            TensorProto w = inits.get(rename.getOrDefault(conv.getInput(1), conv.getInput(1)));
            String biasName = conv.getInputCount() > 2 && !conv.getInput(2).isEmpty()
                    ? rename.getOrDefault(conv.getInput(2), conv.getInput(2)) : null;
            TensorProto b = biasName == null ? null : inits.get(biasName);
            TensorProto[] p = new TensorProto[4];
            boolean constant = w != null && w.getDataType() == OnnxTensorProtos.FLOAT && w.getDimsCount() >= 3
                    && (biasName == null || b != null);
            for (int k = 0; k < 4 && constant; k++) {
                p[k] = inits.get(rename.getOrDefault(bn.getInput(k + 1), bn.getInput(k + 1)));
                constant = p[k] != null && p[k].getDataType() == OnnxTensorProtos.FLOAT;
            }
            if (!constant) {
                continue;
            }
            float eps = 1e-5f;
            for (AttributeProto a : bn.getAttributeList()) {
                if (a.getName().equals("epsilon")) {
                    eps = a.getF();
                }
            }
            float[] gamma = OnnxTensorProtos.floats(p[0]);
            float[] beta = OnnxTensorProtos.floats(p[1]);
            float[] mean = OnnxTensorProtos.floats(p[2]);
            float[] var = OnnxTensorProtos.floats(p[3]);
            long[] ws = OnnxTensorProtos.shape(w);
            int channels = (int) ws[0];
            if (gamma.length != channels || beta.length != channels || mean.length != channels || var.length != channels) {
                continue;
            }
            float[] wv = OnnxTensorProtos.floats(w);
            float[] bv = b == null ? new float[channels] : OnnxTensorProtos.floats(b);
            int per = wv.length / channels;
            float[] newBias = new float[channels];
            for (int c = 0; c < channels; c++) {
                double f = gamma[c] / Math.sqrt(var[c] + (double) eps);
                for (int k = 0; k < per; k++) {
                    wv[c * per + k] = (float) (wv[c * per + k] * f);
                }
                newBias[c] = (float) ((bv[c] - mean[c]) * f + beta[c]);
            }
            String wName = unusedName(w.getName() + "_bn_folded", inits);
            String bName = unusedName((biasName != null ? biasName : conv.getName() + "_bias") + "_bn_folded", inits);
            TensorProto nw = OnnxTensorProtos.ofFloats(wName, ws, wv);
            TensorProto nb = OnnxTensorProtos.ofFloats(bName, new long[] {channels}, newBias);
            added.add(nw);
            added.add(nb);
            inits.put(wName, nw);
            inits.put(bName, nb);
            NodeProto.Builder folded = conv.toBuilder().setInput(1, wName).setOutput(0, bn.getOutput(0));
            if (folded.getInputCount() > 2) {
                folded.setInput(2, bName);
            } else {
                folded.addInput(bName);
            }
            out.set(ci, folded.build());
            removed.add(i);
            replaced.add(w.getName());
            if (biasName != null) {
                replaced.add(biasName);
            }
            for (TensorProto t : p) {
                replaced.add(t.getName());
            }
        }
        List<NodeProto> result = new ArrayList<>();
        for (int i = 0; i < out.size(); i++) {
            if (!removed.contains(i)) {
                result.add(out.get(i));
            }
        }
        return result;
    }

    private static String unusedName(String base, Map<String, TensorProto> inits) {
        String n = base;
        for (int k = 1; inits.containsKey(n); k++) {
            n = base + "_" + k;
        }
        return n;
    }

    private static void collectSubgraphReads(NodeProto n, Set<String> out) {
        for (AttributeProto a : n.getAttributeList()) {
            List<GraphProto> graphs = new ArrayList<>(a.getGraphsList());
            if (a.hasG()) {
                graphs.add(a.getG());
            }
            for (GraphProto sub : graphs) {
                for (NodeProto sn : sub.getNodeList()) {
                    out.addAll(sn.getInputList());
                    collectSubgraphReads(sn, out);
                }
            }
        }
    }

    private static TensorProto constantValue(NodeProto n) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals("value") && a.hasT()) {
                return a.getT();
            }
        }
        return null;
    }
}
