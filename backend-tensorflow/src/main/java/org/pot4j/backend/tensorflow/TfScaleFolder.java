package org.pot4j.backend.tensorflow;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pot4j.api.Tensor;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;

/**
 * Folds inference batch normalization into the weights before the graph view is built, as POT
 * and the TFLite converter do, so a {@code Conv2D} without bias followed by BatchNormalization
 * becomes a convolution with a bias that bias correction can shift and whose scales are
 * computed on the weights that actually run:
 * <ul>
 * <li>{@code Conv2D|MatMul -> BiasAdd -> Mul -> AddV2} (Keras 3 BatchNormalization after a convolution with a
 * bias, as in Keras' ResNet50): weight and bias scaled, the offset added to the bias ({@link BiasScaleFold});</li>
 * <li>{@code Conv2D|DepthwiseConv2dNative|MatMul -> Mul(per-channel constant)} (Keras 3 inference
 * BatchNormalization, followed by an {@code AddV2} of a constant that then acts as the bias): the
 * scale is multiplied into the weight and the {@code Mul} disappears;</li>
 * <li>{@code Conv2D|DepthwiseConv2dNative|MatMul -> FusedBatchNorm[V2|V3](is_training=false)} (TF1,
 * Keras 2): the weight is scaled by {@code gamma / sqrt(var + eps)} and the batch norm becomes a
 * {@code BiasAdd} of {@code beta - mean * gamma / sqrt(var + eps)} with the batch norm's name.</li>
 * </ul>
 * Only NHWC layouts are folded; anything else is left as it is.
 */
final class TfScaleFolder {
    private static final Set<String> FUSED_BATCH_NORMS = Set.of("FusedBatchNorm", "FusedBatchNormV2", "FusedBatchNormV3");

    private TfScaleFolder() {
    }

    /** The graph with every foldable scale folded (the same graph when there is none). */
    static GraphDef fold(GraphDef graph, Path path) {
        List<BiasScaleFold> biasScaleFolds = new ArrayList<>();
        List<Fold> folds = find(graph, biasScaleFolds);
        if (folds.isEmpty() && biasScaleFolds.isEmpty()) {
            return graph;
        }
        List<String> wanted = new ArrayList<>();
        for (Fold f : folds) {
            wanted.addAll(f.constants());
        }
        for (BiasScaleFold f : biasScaleFolds) {
            wanted.addAll(f.constants());
        }
        Map<String, Tensor> values = evaluate(graph, wanted, path);
        Map<String, NodeDef> nodes = TfGraphDefs.index(graph);
        GraphDef.Builder b = graph.toBuilder().clearNode();
        Map<String, NodeDef.Builder> builders = new java.util.LinkedHashMap<>();
        for (NodeDef n : graph.getNodeList()) {
            builders.put(n.getName(), n.toBuilder());
        }
        Set<String> used = new HashSet<>(nodes.keySet());
        List<NodeDef> added = new ArrayList<>();
        for (Fold f : folds) {
            f.apply(builders, values, used, added);
        }
        for (BiasScaleFold f : biasScaleFolds) {
            f.apply(builders, values, used, added);
        }
        builders.values().forEach(b::addNode);
        added.forEach(b::addNode);
        return b.build();
    }

    // ---------------------------------------------------------------- finding

    /** The scale folds of {@code graph}; {@code Conv -> BiasAdd -> Mul [-> AddV2]} folds go to {@code biasScaleFolds}. */
    private static List<Fold> find(GraphDef graph, List<BiasScaleFold> biasScaleFolds) {
        Set<String> constants = TfConstants.of(graph);
        Map<String, List<TfGraphDefs.Use>> consumers = TfGraphDefs.consumers(graph);
        List<Fold> out = new ArrayList<>();
        Set<String> claimed = new HashSet<>();
        for (NodeDef n : graph.getNodeList()) {
            if (!TfGraphView.WEIGHTED_OPS.contains(n.getOp()) || n.getInputCount() < 2
                    || constants.contains(TfNames.opName(n.getInput(0))) || !constants.contains(TfNames.opName(n.getInput(1)))
                    || !isFloat(n) || "NCHW".equals(attrString(n, "data_format"))
                    || (n.getOp().equals("MatMul") && n.getAttrMap().containsKey("transpose_a") && n.getAttrMap().get("transpose_a").getB())) {
                continue;
            }
            List<TfGraphDefs.Use> uses = consumers.getOrDefault(TfNames.tensor(n.getName(), 0), List.of());
            if (uses.size() != 1 || claimed.contains(uses.get(0).node().getName())) {
                continue;
            }
            NodeDef user = uses.get(0).node();
            BiasScaleFold bsf = BiasScaleFold.find(n, user, constants, consumers, claimed);
            if (bsf != null) {
                biasScaleFolds.add(bsf);
                claimed.add(bsf.mul().getName());
                continue;
            }
            if (user.getOp().equals("Mul") && user.getInputCount() == 2) {
                String scale = TfNames.canonical(user.getInput(1 - uses.get(0).inputIndex()));
                if (constants.contains(TfNames.opName(scale))) {
                    out.add(new Fold(n, user, List.of(TfNames.canonical(n.getInput(1)), scale)));
                    claimed.add(user.getName());
                }
            } else if (FUSED_BATCH_NORMS.contains(user.getOp()) && uses.get(0).inputIndex() == 0 && user.getInputCount() >= 5
                    && !(user.getAttrMap().containsKey("is_training") && user.getAttrMap().get("is_training").getB())
                    && !"NCHW".equals(attrString(user, "data_format"))
                    && onlyFirstOutputUsed(user, consumers)) {
                List<String> c = new ArrayList<>();
                c.add(TfNames.canonical(n.getInput(1)));
                boolean allConstant = true;
                for (int i = 1; i <= 4; i++) {
                    String t = TfNames.canonical(user.getInput(i));
                    allConstant &= constants.contains(TfNames.opName(t));
                    c.add(t);
                }
                if (allConstant) {
                    out.add(new Fold(n, user, c));
                    claimed.add(user.getName());
                }
            }
        }
        return out;
    }

    private static boolean onlyFirstOutputUsed(NodeDef n, Map<String, List<TfGraphDefs.Use>> consumers) {
        for (int i = 1; i < 6; i++) {
            if (!consumers.getOrDefault(TfNames.tensor(n.getName(), i), List.of()).isEmpty()) {
                return false;
            }
        }
        return true;
    }

    private static boolean isFloat(NodeDef n) {
        AttrValue t = n.getAttrMap().get("T");
        return t != null && t.getType() == org.tensorflow.proto.DataType.DT_FLOAT;
    }

    private static String attrString(NodeDef n, String name) {
        AttrValue v = n.getAttrMap().get(name);
        return v == null ? "" : v.getS().toStringUtf8();
    }

    private static Map<String, Tensor> evaluate(GraphDef graph, List<String> tensors, Path path) {
        Map<String, Tensor> out = new java.util.HashMap<>();
        try (Graph g = TfModelReader.importGraph(graph, path); Session s = new Session(g)) {
            Session.Runner r = s.runner();
            List<String> unique = new ArrayList<>(new java.util.LinkedHashSet<>(tensors));
            unique.forEach(r::fetch);
            try (Result res = r.run()) {
                for (int i = 0; i < unique.size(); i++) {
                    out.put(unique.get(i), TfTensors.fromTf(res.get(i)));
                }
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- folding

    /**
     * {@code Conv2D|MatMul -> BiasAdd(b) -> Mul(s) [-> AddV2(c)]}, Keras 3 inference BatchNormalization after a
     * convolution that has a bias (Keras ResNet50): the weight is scaled by {@code s}, the bias becomes
     * {@code b * s + c}, and the Mul and AddV2 become Identity reads of the BiasAdd, so the convolution, its bias
     * and a following Relu form the pattern int8 kernels fuse.
     */
    private record BiasScaleFold(NodeDef op, NodeDef biasAdd, NodeDef mul, NodeDef add, String bias, String scale, String offset) {
        static BiasScaleFold find(NodeDef op, NodeDef biasAdd, Set<String> constants, Map<String, List<TfGraphDefs.Use>> consumers,
                                  Set<String> claimed) {
            if (!op.getOp().equals("Conv2D") && !op.getOp().equals("MatMul") || !biasAdd.getOp().equals("BiasAdd")
                    || biasAdd.getInputCount() != 2 || !constants.contains(TfNames.opName(biasAdd.getInput(1)))
                    || "NCHW".equals(attrString(biasAdd, "data_format")) || claimed.contains(biasAdd.getName())) {
                return null;
            }
            List<TfGraphDefs.Use> after = consumers.getOrDefault(TfNames.tensor(biasAdd.getName(), 0), List.of());
            if (after.size() != 1 || !after.get(0).node().getOp().equals("Mul") || after.get(0).node().getInputCount() != 2) {
                return null;
            }
            NodeDef mul = after.get(0).node();
            String scale = TfNames.canonical(mul.getInput(1 - after.get(0).inputIndex()));
            if (!constants.contains(TfNames.opName(scale)) || claimed.contains(mul.getName())) {
                return null;
            }
            NodeDef add = null;
            String offset = null;
            List<TfGraphDefs.Use> next = consumers.getOrDefault(TfNames.tensor(mul.getName(), 0), List.of());
            if (next.size() == 1 && (next.get(0).node().getOp().equals("AddV2") || next.get(0).node().getOp().equals("Add"))
                    && next.get(0).node().getInputCount() == 2) {
                String other = TfNames.canonical(next.get(0).node().getInput(1 - next.get(0).inputIndex()));
                if (constants.contains(TfNames.opName(other))) {
                    add = next.get(0).node();
                    offset = other;
                }
            }
            return new BiasScaleFold(op, biasAdd, mul, add, TfNames.canonical(biasAdd.getInput(1)), scale, offset);
        }

        List<String> constants() {
            List<String> c = new ArrayList<>(List.of(TfNames.canonical(op.getInput(1)), bias, scale));
            if (offset != null) {
                c.add(offset);
            }
            return c;
        }

        void apply(Map<String, NodeDef.Builder> builders, Map<String, Tensor> values, Set<String> used, List<NodeDef> added) {
            Tensor w = values.get(TfNames.canonical(op.getInput(1)));
            long[] ws = w.shape();
            boolean transposeB = op.getAttrMap().containsKey("transpose_b") && op.getAttrMap().get("transpose_b").getB();
            int channels = (int) (op.getOp().equals("Conv2D") ? ws[3] : ws[transposeB ? 0 : 1]);
            float[] factor = Fold.channelVector(values.get(scale), channels);
            float[] b = Fold.channelVector(values.get(bias), channels);
            float[] c = offset == null ? new float[channels] : Fold.channelVector(values.get(offset), channels);
            if (factor == null || b == null || c == null) {
                return;
            }
            float[] v = w.floats().clone();
            for (int i = 0; i < v.length; i++) {
                int o = (int) (op.getOp().equals("Conv2D") || !transposeB ? i % channels : i / ws[1]);
                v[i] *= factor[o];
            }
            float[] newBias = new float[channels];
            for (int o = 0; o < channels; o++) {
                newBias[o] = b[o] * factor[o] + c[o];
            }
            String weightName = TfGraphDefs.uniqueName(op.getName() + "/pot4j_folded_weight", used);
            added.add(TfTensors.floatConst(weightName, ws, v));
            builders.get(op.getName()).setInput(1, weightName);
            String biasName = TfGraphDefs.uniqueName(biasAdd.getName() + "/pot4j_folded_bias", used);
            added.add(TfTensors.floatConst(biasName, new long[] {channels}, newBias));
            builders.get(biasAdd.getName()).setInput(1, biasName);
            for (NodeDef gone : add == null ? List.of(mul) : List.of(mul, add)) {
                builders.put(gone.getName(), NodeDef.newBuilder().setName(gone.getName()).setOp("Identity")
                        .addInput(biasAdd.getName()).putAttr("T", op.getAttrMap().get("T")));
                Fold.rewireReaders(builders, gone.getName(), biasAdd.getName());
            }
        }
    }

    /**
     * One fold: {@code op}'s weight times a per-output-channel factor taken from {@code follower}.
     *
     * @param constants the weight tensor, then the Mul's scale, or FusedBatchNorm's scale, offset, mean, variance
     */
    private record Fold(NodeDef op, NodeDef follower, List<String> constants) {
        void apply(Map<String, NodeDef.Builder> builders, Map<String, Tensor> values, Set<String> used, List<NodeDef> added) {
            Tensor w = values.get(constants.get(0));
            long[] ws = w.shape();
            int outChannels = outputChannels(ws);
            float[] factor;
            float[] bias = null;
            if (follower.getOp().equals("Mul")) {
                Tensor s = values.get(constants.get(1));
                factor = channelVector(s, outChannels);
                if (factor == null) {
                    return;
                }
            } else {
                float[] gamma = channelVector(values.get(constants.get(1)), outChannels);
                float[] beta = channelVector(values.get(constants.get(2)), outChannels);
                float[] mean = channelVector(values.get(constants.get(3)), outChannels);
                float[] var = channelVector(values.get(constants.get(4)), outChannels);
                if (gamma == null || beta == null || mean == null || var == null) {
                    return;
                }
                AttrValue epsAttr = follower.getAttrMap().get("epsilon");
                double eps = epsAttr == null ? 1e-4 : epsAttr.getF();
                factor = new float[outChannels];
                bias = new float[outChannels];
                for (int c = 0; c < outChannels; c++) {
                    factor[c] = (float) (gamma[c] / Math.sqrt(var[c] + eps));
                    bias[c] = beta[c] - mean[c] * factor[c];
                }
            }
            String weightName = TfGraphDefs.uniqueName(op.getName() + "/pot4j_folded_weight", used);
            added.add(TfTensors.floatConst(weightName, ws, scaled(w, factor)));
            builders.get(op.getName()).setInput(1, weightName);
            NodeDef.Builder f = builders.get(follower.getName());
            if (bias == null) {
                // the Mul becomes a pass-through of the convolution, so everything reading it keeps working
                NodeDef.Builder identity = NodeDef.newBuilder().setName(follower.getName()).setOp("Identity")
                        .addInput(op.getName()).putAttr("T", op.getAttrMap().get("T"));
                builders.put(follower.getName(), identity);
                rewireReaders(builders, follower.getName(), op.getName());
            } else {
                String biasName = TfGraphDefs.uniqueName(follower.getName() + "/pot4j_folded_bias", used);
                added.add(TfTensors.floatConst(biasName, new long[] {outChannels}, bias));
                NodeDef.Builder biasAdd = NodeDef.newBuilder().setName(follower.getName()).setOp("BiasAdd")
                        .addInput(op.getName()).addInput(biasName).putAttr("T", op.getAttrMap().get("T"))
                        .putAttr("data_format", AttrValue.newBuilder().setS(com.google.protobuf.ByteString.copyFromUtf8("NHWC")).build());
                for (String in : f.getInputList()) {
                    if (TfNames.isControl(in)) {
                        biasAdd.addInput(in);
                    }
                }
                builders.put(follower.getName(), biasAdd);
            }
        }

        /** Readers of the removed Mul read the convolution directly (so the analyzer sees Conv -> Add). */
        private static void rewireReaders(Map<String, NodeDef.Builder> builders, String from, String to) {
            for (NodeDef.Builder b : builders.values()) {
                if (b.getName().equals(from)) {
                    continue;
                }
                for (int i = 0; i < b.getInputCount(); i++) {
                    String in = b.getInput(i);
                    if (!TfNames.isControl(in) && TfNames.opName(in).equals(from)) {
                        b.setInput(i, TfNames.input(to, TfNames.outputIndex(in)));
                    }
                }
            }
        }

        private int outputChannels(long[] ws) {
            switch (op.getOp()) {
                case "Conv2D": return (int) ws[3];
                case "DepthwiseConv2dNative": return (int) (ws[2] * ws[3]);
                default:
                    boolean tb = op.getAttrMap().containsKey("transpose_b") && op.getAttrMap().get("transpose_b").getB();
                    return (int) ws[tb ? 0 : 1];
            }
        }

        /** The weight with output channel {@code o} multiplied by {@code factor[o]}. */
        private float[] scaled(Tensor w, float[] factor) {
            float[] v = w.floats().clone();
            long[] s = w.shape();
            for (int i = 0; i < v.length; i++) {
                int o;
                switch (op.getOp()) {
                    case "Conv2D": o = (int) (i % s[3]); break;
                    case "DepthwiseConv2dNative": o = (int) (i % (s[2] * s[3])); break;
                    default:
                        boolean tb = op.getAttrMap().containsKey("transpose_b") && op.getAttrMap().get("transpose_b").getB();
                        o = (int) (tb ? i / s[1] : i % s[1]);
                }
                v[i] *= factor[o];
            }
            return v;
        }

        /** A float tensor broadcastable as one value per output channel (shape [C], [1,..,1,C] or scalar), expanded. */
        private static float[] channelVector(Tensor t, int channels) {
            if (t == null || t.dataType() != org.pot4j.api.DataType.FLOAT32) {
                return null;
            }
            long[] s = t.shape();
            for (int d = 0; d < s.length - 1; d++) {
                if (s[d] != 1) {
                    return null;
                }
            }
            float[] v = t.floats();
            if (v.length == 1) {
                float[] out = new float[channels];
                java.util.Arrays.fill(out, v[0]);
                return out;
            }
            return v.length == channels ? v.clone() : null;
        }
    }
}
