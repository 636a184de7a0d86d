package org.pot4j.engine.algorithms.accuracyaware;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.data.Sample;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.QuantizableNode;
import org.pot4j.api.model.SuffixRuns;
import org.pot4j.api.model.TensorInfo;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.engine.data.Batches;
import org.pot4j.engine.evaluation.EvaluationRequest;
import org.pot4j.engine.evaluation.EvaluationResult;
import org.pot4j.engine.evaluation.Evaluator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scores ranking candidates by running only the part of the model each revert changes, when the
 * backend offers {@link SuffixRuns}: one run of the current plan on the ranking samples captures the
 * tensors where the candidates' suffixes start, then each candidate runs from there. The scores are
 * those of whole-model runs (same plan, same samples, same metric), so rankings do not change; only
 * the nodes before each candidate are not run again. Captured tensors are bounded by
 * {@link #budgetBytes} (candidates whose tensors do not fit, latest suffixes first, run whole), and
 * the first suffix of a search is checked against a whole-model run: on any mismatch suffix runs are
 * switched off for the rest of the search (warning).
 */
final class SuffixScoring {
    private static final Logger LOG = LoggerFactory.getLogger(SuffixScoring.class);
    /** A suffix run may differ from the whole run by this share of the whole run's NMSE to FP32. */
    static final double CHECK_SHARE = 0.05;

    /** Where to score one candidate: a suffix model fed from captured tensors. */
    record Target(Model model, Dataset data, double share) {
    }

    /** The targets of one ranking and what preparing them cost, in runs of the whole model per ranking sample. */
    record Prepared(Map<String, Target> targets, double captureRuns) {
        static final Prepared NONE = new Prepared(Map.of(), 0);
    }

    private final Model model;
    private final Dataset validation;
    private final Evaluator evaluator;
    private final long budgetBytes;
    private boolean disabled;
    private boolean checked;

    SuffixScoring(Model model, Dataset validation, Evaluator evaluator, long budgetBytes) {
        this.model = model;
        this.validation = validation;
        this.evaluator = evaluator;
        this.budgetBytes = budgetBytes;
        this.disabled = !(model instanceof SuffixRuns);
    }

    /** A quarter of the heap the JVM may still grow to. */
    static long defaultBudget() {
        Runtime rt = Runtime.getRuntime();
        return (rt.maxMemory() - (rt.totalMemory() - rt.freeMemory())) / 4;
    }

    boolean available() {
        return !disabled;
    }

    /**
     * Suffix targets for the candidates of {@code current} on {@code subset}; candidates without one
     * run whole. Returns {@link Prepared#NONE} when the backend cannot cut or nothing would be saved.
     */
    Prepared prepare(QuantizationPlan current, List<QuantizableNode> candidates, Function<String, QuantizationPlan> variant,
            int[] subset) {
        if (disabled || subset.length == 0) {
            return Prepared.NONE;
        }
        SuffixRuns runs = (SuffixRuns) model;
        Set<String> modelInputs = new LinkedHashSet<>();
        model.inputs().forEach(t -> modelInputs.add(t.name()));
        Map<String, SuffixRuns.Suffix> suffixes = new LinkedHashMap<>();
        for (QuantizableNode c : candidates) {
            try {
                SuffixRuns.Suffix s = runs.suffix(current, variant.apply(c.id()));
                if (s != null) {
                    suffixes.put(c.id(), s);
                }
            } catch (RuntimeException e) {
                LOG.debug("no suffix for {}: {}", c.id(), e.toString());
            }
        }
        if (suffixes.isEmpty()) {
            return Prepared.NONE;
        }
        Set<String> all = new LinkedHashSet<>();
        suffixes.values().forEach(s -> s.inputs().forEach(t -> {
            if (!modelInputs.contains(t.name())) {
                all.add(t.name());
            }
        }));
        // bytes per sample of every tensor to capture, from one sample
        Map<String, Long> bytes = new HashMap<>();
        if (!all.isEmpty()) {
            Map<String, Tensor> one = capture(current, new ArrayList<>(all), new int[] {subset[0]}, "measure cut tensors").get(subset[0]);
            one.forEach((k, v) -> bytes.put(k, (long) v.size() * v.dataType().byteSize()));
        }
        // cheapest suffixes first while their tensors fit
        List<String> order = new ArrayList<>(suffixes.keySet());
        order.sort(Comparator.comparingDouble(id -> suffixes.get(id).share()));
        Set<String> chosen = new LinkedHashSet<>();
        Set<String> tensors = new LinkedHashSet<>();
        long total = 0;
        for (String id : order) {
            long add = 0;
            Set<String> extra = new LinkedHashSet<>();
            for (TensorInfo t : suffixes.get(id).inputs()) {
                if (!modelInputs.contains(t.name()) && !tensors.contains(t.name())) {
                    extra.add(t.name());
                    add += bytes.getOrDefault(t.name(), 0L) * subset.length;
                }
            }
            if (total + add > budgetBytes) {
                continue;
            }
            total += add;
            tensors.addAll(extra);
            chosen.add(id);
        }
        if (chosen.isEmpty()) {
            return Prepared.NONE;
        }
        Map<Integer, Map<String, Tensor>> cache = tensors.isEmpty() ? Map.of()
                : capture(current, new ArrayList<>(tensors), subset, "capture " + tensors.size() + " cut tensors of the current plan");
        Map<String, Target> targets = new LinkedHashMap<>();
        for (String id : chosen) {
            SuffixRuns.Suffix s = suffixes.get(id);
            targets.put(id, new Target(new SuffixModel(model, s), new FedDataset(validation, model.inputs(), s.inputs(), cache), s.share()));
        }
        LOG.debug("{} of {} candidates run as suffixes ({} MiB of captured tensors)", targets.size(), candidates.size(), total >> 20);
        return new Prepared(targets, tensors.isEmpty() ? 0 : 1.0 + 1.0 / subset.length);
    }

    /**
     * Checks the first suffix run of a search against the whole model (same plan, same samples):
     * the suffix's outputs must be as close to the whole model's as {@link #CHECK_SHARE} of the
     * whole model's own distance to FP32 (a wrong cut misses the revert and lands near the current
     * plan instead; fused kernels and 8-bit rounding that differ at the cut give a little noise, on
     * MiniLM 0.1% of the NMSE). False, and suffix runs off for the rest of the search, otherwise.
     */
    boolean confirm(String node, Target target, QuantizationPlan plan, int[] subset, Map<Integer, List<Tensor>> fp32Outputs) {
        checked = true;
        EvaluationResult whole = evaluator.evaluate(model, EvaluationRequest.of(plan, validation, List.of(),
                "check suffix run (whole model)").withIndices(subset).withKeepOutputs(true).withReference(fp32Outputs));
        Map<Integer, List<Tensor>> wholeOutputs = new HashMap<>();
        for (int p = 0; p < whole.indices().length; p++) {
            wholeOutputs.put(whole.indices()[p], whole.outputs().get(p));
        }
        EvaluationResult part = evaluator.evaluate(target.model(), EvaluationRequest.of(plan, target.data(), List.of(),
                "check suffix run").withIndices(subset).withReference(wholeOutputs));
        double error = fp32Outputs == null ? Double.NaN : MetricsProbe.mean(whole.distances());
        double disagreement = MetricsProbe.mean(part.distances());
        boolean same = disagreement <= (Double.isFinite(error) ? CHECK_SHARE * error : 0) + 1e-9;
        if (!same) {
            disabled = true;
            LOG.warn("AccuracyAwareQuantization: running only the changed part of the model for {} gave outputs at NMSE {} "
                    + "from the whole model's (whose NMSE to FP32 is {}); ranking runs whole models from now on", node,
                    disagreement, error);
        } else {
            LOG.debug("suffix run checked on {}: NMSE {} to the whole model, {} to FP32", node, disagreement, error);
        }
        return same;
    }

    boolean checked() {
        return checked;
    }

    /** The model outputs plus {@code tensors} of {@code plan} on {@code indices}, per sample without the batch dimension. */
    private Map<Integer, Map<String, Tensor>> capture(QuantizationPlan plan, List<String> tensors, int[] indices, String stage) {
        CaptureModel cm = new CaptureModel(model, tensors);
        EvaluationResult r = evaluator.evaluate(cm, EvaluationRequest.of(plan, validation, List.of(), stage)
                .withIndices(indices).withKeepOutputs(true));
        int outs = model.outputs().size();
        Map<Integer, Map<String, Tensor>> cache = new HashMap<>();
        for (int p = 0; p < r.indices().length; p++) {
            List<Tensor> o = r.outputs().get(p);
            Map<String, Tensor> m = new HashMap<>();
            for (int k = 0; k < tensors.size(); k++) {
                Tensor t = o.get(outs + k);
                long[] s = t.shape();
                m.put(tensors.get(k), t.reshape(java.util.Arrays.copyOfRange(s, 1, s.length)));
            }
            cache.put(r.indices()[p], m);
        }
        return cache;
    }

    /** The model with {@code tensors} as extra declared outputs, so evaluation passes keep them. */
    private static final class CaptureModel extends DelegatingModel {
        private final List<String> tensors;

        CaptureModel(Model model, List<String> tensors) {
            super(model);
            this.tensors = List.copyOf(tensors);
        }

        @Override
        public List<TensorInfo> outputs() {
            List<TensorInfo> out = new ArrayList<>(inner.outputs());
            for (String t : tensors) {
                out.add(new TensorInfo(t, org.pot4j.api.DataType.FLOAT32, new long[] {-1}));
            }
            return out;
        }

        @Override
        public CompiledModel compile(QuantizationPlan plan, Set<String> extraOutputs) {
            Set<String> all = new LinkedHashSet<>(extraOutputs);
            all.addAll(tensors);
            return inner.compile(plan, all);
        }
    }

    /** A suffix seen as a model: its inputs are the cut tensors, its outputs the model's. */
    private static final class SuffixModel extends DelegatingModel {
        private final SuffixRuns.Suffix suffix;

        SuffixModel(Model model, SuffixRuns.Suffix suffix) {
            super(model);
            this.suffix = suffix;
        }

        @Override
        public List<TensorInfo> inputs() {
            return suffix.inputs();
        }

        @Override
        public CompiledModel compile(QuantizationPlan plan, Set<String> extraOutputs) {
            return suffix.compile();
        }
    }

    /** The validation samples with their inputs replaced by the captured tensors a suffix reads. */
    private static final class FedDataset implements Dataset {
        private final Dataset data;
        private final List<TensorInfo> modelInputs;
        private final List<TensorInfo> fed;
        private final Map<Integer, Map<String, Tensor>> cache;

        FedDataset(Dataset data, List<TensorInfo> modelInputs, List<TensorInfo> fed, Map<Integer, Map<String, Tensor>> cache) {
            this.data = data;
            this.modelInputs = modelInputs;
            this.fed = fed;
            this.cache = cache;
        }

        @Override
        public int size() {
            return data.size();
        }

        @Override
        public Sample get(int index) {
            Sample s = data.get(index);
            Map<String, Tensor> captured = cache.getOrDefault(index, Map.of());
            Map<String, Tensor> in = new LinkedHashMap<>();
            for (TensorInfo t : fed) {
                Tensor v = captured.get(t.name());
                if (v == null) {
                    int k = indexOf(t.name());
                    if (k < 0) {
                        throw new IllegalStateException("sample " + index + " has no captured tensor '" + t.name() + "'");
                    }
                    v = Batches.bind(s, modelInputs, k);
                }
                in.put(t.name(), v);
            }
            return new Sample(in, s.annotation(), s.metadata());
        }

        private int indexOf(String name) {
            for (int i = 0; i < modelInputs.size(); i++) {
                if (modelInputs.get(i).name().equals(name)) {
                    return i;
                }
            }
            return -1;
        }

        @Override
        public String name() {
            return data.name();
        }
    }
}
