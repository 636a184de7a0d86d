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
import java.util.function.Predicate;
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
import org.pot4j.engine.evaluation.Compilation;
import org.pot4j.engine.evaluation.EvaluationRequest;
import org.pot4j.engine.evaluation.EvaluationResult;
import org.pot4j.engine.evaluation.Evaluator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scores ranking candidates by running only the part of the model each revert changes, when the
 * backend offers {@link SuffixRuns}: one run of the current plan on a ranking step's samples captures
 * the tensors where the candidates' suffixes start, then each candidate runs from there. Suffixes,
 * their compiled models and the capture model live in the ranking's {@link RankingSession}, so the
 * fast mode's pre-rank and confirm step build and compile them once; captured tensors serve only the
 * step whose samples they were captured on (the same batches: with activations quantized per batch,
 * MiniLM's, a tensor captured in another batch has other values). Captured tensors are bounded by
 * {@link #budgetBytes}, and the first suffix of a search is checked against a whole-model run: on a
 * mismatch beyond {@link #CHECK_SHARE} suffix runs are switched off for the rest of the search
 * (warning). When the check finds the suffix's outputs identical to the whole model's (ResNet,
 * MiniLM), which candidates run as suffixes is decided by measured cost alone (the scores cannot
 * change); otherwise (MobileNetV2: 1.7e-4 NMSE apart, fused kernels at the cut) every suffix that
 * fits runs, as before, so that scores never depend on timings.
 */
final class SuffixScoring {
    private static final Logger LOG = LoggerFactory.getLogger(SuffixScoring.class);
    /** A suffix run may differ from the whole run by this share of the whole run's NMSE to FP32. */
    static final double CHECK_SHARE = 0.05;

    /** Where to score one candidate: its suffix, fed from captured tensors. */
    record Target(SuffixRuns.Suffix suffix, Dataset data, double share) {
    }

    private final Model model;
    private final Dataset validation;
    private final Evaluator evaluator;
    private final long budgetBytes;
    private boolean disabled;
    private boolean checked;
    /** Whether the checked suffix gave exactly the whole model's outputs (then which candidates run as suffixes is a matter of cost only). */
    private boolean identical;
    /** Bytes per sample of every cut tensor measured in this search, by name. */
    private final Map<String, Long> tensorBytes = new HashMap<>();

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
     * Suffix targets for {@code candidates} of the session's plan on {@code samples}, preparing what
     * is missing in the session (suffixes, captured tensors; the first suffix of a search is checked);
     * candidates without a target run whole.
     *
     * <p>Suffix or whole, once the check found suffixes identical to whole runs: per candidate over the
     * step, a suffix saves {@code 1 - share} of a whole run per sample and pays feeding its cut tensors,
     * and it saves a compile when its suffix ran in an earlier step of the ranking (so is kept compiled)
     * and its whole model did not; the capture run it needs (unless done on these samples already) costs a
     * run per sample plus fetching the tensors ({@link #RUN_DIVISOR}: costs from sizes, constants fitted to
     * measurements). Measured (Xeon VNNI/AMX, 2 cores, load 1-4): the 4-bit MNIST ResNet's cut tensors are
     * 32x28x28 floats (~100 KB, 12 of them 588 KiB per sample) against a 3 KB input; a whole INT8 run costs
     * 0.12-0.3 ms per sample, a capture run 1.1-1.6 ms, feeding a suffix 2-9 ns per byte: a suffix fed 100 KB
     * pays 0.2-0.9 ms to save at most 0.1-0.25 ms, so the convolutions run whole and only the pooling and
     * fc (fed bytes) as suffixes. MiniLM (config-aa-tight): 45 cut tensors of ~100 KB, a 4 ms run, 1.3 ns per
     * byte; its leading candidates are in the first layers (share 0.8-0.97, saving 0.1-0.8 ms per sample for
     * ~0.13 ms of feeding), and their suffixes are kept compiled from the pre-rank while a whole model costs
     * 0.17-0.36 s to compile: the confirm step runs them as suffixes.
     */
    Map<String, Target> targets(RankingSession session, List<QuantizableNode> candidates, Function<String, QuantizationPlan> variant,
            int[] samples, Map<Integer, List<Tensor>> fp32Outputs) {
        if (disabled || samples.length == 0) {
            return Map.of();
        }
        SuffixRuns runs = (SuffixRuns) model;
        Set<String> modelInputs = new LinkedHashSet<>();
        model.inputs().forEach(t -> modelInputs.add(t.name()));
        Map<String, SuffixRuns.Suffix> suffixes = new LinkedHashMap<>();
        List<String> toCut = new ArrayList<>();
        for (QuantizableNode c : candidates) {
            if (session.suffixAsked.add(c.id())) {
                toCut.add(c.id());
            }
        }
        cut(runs, session, toCut, variant);
        for (QuantizableNode c : candidates) {
            SuffixRuns.Suffix s = session.suffixes.get(c.id());
            if (s != null) {
                suffixes.put(c.id(), s);
            }
        }
        if (suffixes.isEmpty()) {
            return Map.of();
        }
        // bytes per sample of every cut tensor not measured yet in this search: declared, else from a run on one sample
        Set<String> unknown = new LinkedHashSet<>();
        suffixes.values().forEach(s -> s.inputs().forEach(t -> {
            if (!modelInputs.contains(t.name()) && !tensorBytes.containsKey(t.name())) {
                unknown.add(t.name());
            }
        }));
        for (SuffixRuns.Suffix sx : suffixes.values()) {
            for (TensorInfo t : sx.inputs()) {
                long b = staticBytes(t);
                if (unknown.contains(t.name()) && b > 0) {
                    tensorBytes.put(t.name(), b); // the backend declares the whole shape: no run needed
                    unknown.remove(t.name());
                }
            }
        }
        if (!unknown.isEmpty()) {
            capture(session, unknown, new int[] {samples[0]}, "measure cut tensors", false, false);
        }
        Set<String> chosen = choose(session, suffixes, modelInputs, samples, !checked || !identical);
        if (!checked && !chosen.isEmpty()) {
            // the first suffix of a search is checked against the whole model (on every suffix that fits, as
            // the step would run them; that capture also measures what fetching costs); only suffixes that
            // give exactly the whole model's outputs may be chosen by cost: otherwise scores would depend on
            // timings, so every suffix that fits runs, as before
            Set<String> fit = tensorsOf(chosen, suffixes, modelInputs);
            if (missing(session, fit, samples) > 0) {
                capture(session, fit, samples, "capture " + fit.size() + " cut tensors of the current plan", true, true);
            }
            String first = candidates.stream().map(QuantizableNode::id).filter(chosen::contains).findFirst().orElseThrow();
            SuffixRuns.Suffix fs = suffixes.get(first);
            Target t = new Target(fs, new FedDataset(validation, model.inputs(), fs.inputs(), session.capturedOn(samples)), fs.share());
            session.count(samples.length * (1 + t.share()));
            if (!confirm(session, first, t, variant.apply(first), samples, fp32Outputs)) {
                return Map.of();
            }
            if (identical) {
                chosen = choose(session, suffixes, modelInputs, samples, false);
            }
        }
        if (chosen.isEmpty()) {
            return Map.of();
        }
        Set<String> tensors = tensorsOf(chosen, suffixes, modelInputs);
        if (missing(session, tensors, samples) > 0) {
            capture(session, tensors, samples, "capture " + tensors.size() + " cut tensors of the current plan", true, true);
        }
        Map<String, Target> targets = new LinkedHashMap<>();
        for (QuantizableNode c : candidates) {
            if (chosen.contains(c.id())) {
                SuffixRuns.Suffix s = suffixes.get(c.id());
                targets.put(c.id(), new Target(s, new FedDataset(validation, model.inputs(), s.inputs(), session.capturedOn(samples)), s.share()));
            }
        }
        LOG.debug("{} of {} candidates run as suffixes on {} samples ({} MiB of captured tensors)", targets.size(), candidates.size(),
                samples.length, capturedBytes(session.capturedOn(samples)) >> 20);
        return targets;
    }

    private static Set<String> tensorsOf(Set<String> ids, Map<String, SuffixRuns.Suffix> suffixes, Set<String> modelInputs) {
        Set<String> tensors = new LinkedHashSet<>();
        ids.forEach(id -> tensors.addAll(fed(suffixes.get(id), modelInputs)));
        return tensors;
    }

    /**
     * A whole run of one sample is worth as much as copying the model's bytes divided by this, in
     * {@link #choose} (its unit: bytes copied into or out of the runtime). Measured (Xeon VNNI/AMX, 2
     * cores, ONNX Runtime 1.29, load 1-4): the 4-bit MNIST ResNet (1.2 MB) runs a sample in 0.12-0.3 ms
     * while fetching or feeding a cut tensor costs 2-9 ns per byte, so a run is worth 30-150 KB (1.2 MB
     * / 16 = 77 KB); MiniLM (91 MB) 4 ms against 1.3 ns per byte, 3 MB (91 MB / 16 = 5.7 MB). Compiling is
     * worth {@link #COMPILE_MODELS} model sizes (measured 0.02 s and 0.17-0.36 s: 2 and 1.5-3).
     */
    static final int RUN_DIVISOR = 16;
    /** A compile is worth copying this many times the model's bytes (see {@link #RUN_DIVISOR}). */
    static final int COMPILE_MODELS = 2;

    /**
     * {@link #choose(List, Map, int, long, Costs, Predicate, Predicate)} on this step; {@code fit}: every
     * suffix that fits. The costs are the model's size and the tensors' bytes, never timings: a suffix's
     * outputs can differ from the whole model's in the last bits (ResNet's fc: 2e-6 of its score, while the
     * check on the first suffix found none), so a timed choice would make scores depend on the machine's
     * load (and the Spark executor's run differ from the local one).
     */
    private Set<String> choose(RankingSession session, Map<String, SuffixRuns.Suffix> suffixes, Set<String> modelInputs, int[] samples,
            boolean fit) {
        long size = model.sizeOnDisk();
        double run = (double) size / RUN_DIVISOR;
        double compile = (double) size * COMPILE_MODELS;
        Costs costs = fit || size <= 0 ? Costs.NONE : new Costs(run, 1, run, 1, compile, compile, checked);
        List<Option> options = new ArrayList<>();
        for (Map.Entry<String, SuffixRuns.Suffix> e : suffixes.entrySet()) {
            String id = e.getKey();
            options.add(new Option(id, e.getValue().share(), fed(e.getValue(), modelInputs), session.ran(id),
                    session.ran(id + RankingSession.SUFFIX)));
        }
        Set<String> best = choose(options, tensorBytes, samples.length, budgetBytes, costs,
                t -> missing(session, t, samples) == 0, t -> session.ran(captureKey(t)));
        if (costs.known()) {
            LOG.debug("suffix or whole on {} samples: a run worth {} KiB, a compile {} KiB; {} of {} suffixes pay", samples.length,
                    (long) run >> 10, (long) compile >> 10, best.size(), suffixes.size());
        }
        return best;
    }

    /**
     * One candidate's suffix as {@link #choose(List, Map, int, long, Costs, Predicate, Predicate)} sees it.
     *
     * @param tensors    the cut tensors it is fed (model inputs aside)
     * @param wholeKept  whether the ranking keeps its whole model compiled (a whole run needs no compile)
     * @param suffixKept whether the ranking keeps its suffix compiled
     */
    record Option(String id, double share, Set<String> tensors, boolean wholeKept, boolean suffixKept) {
    }

    /**
     * Costs in one unit (bytes copied into or out of the runtime; NaN: unknown).
     *
     * @param run            a whole candidate run of one sample
     * @param feedPerByte    feeding one byte of cut tensors to a suffix
     * @param capture        a capture run of one sample, fetched bytes aside
     * @param fetchPerByte   fetching one byte of cut tensors
     * @param compile        compiling a whole model
     * @param captureCompile compiling a capture model
     * @param checked        whether the search's suffix check already ran
     */
    record Costs(double run, double feedPerByte, double capture, double fetchPerByte, double compile, double captureCompile,
            boolean checked) {
        /** No costs: every suffix that fits. */
        static final Costs NONE = new Costs(Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, false);

        boolean known() {
            return Double.isFinite(run) && Double.isFinite(feedPerByte) && Double.isFinite(capture) && Double.isFinite(fetchPerByte);
        }
    }

    /**
     * The candidates to run as suffixes in a step on {@code samples} samples. Per candidate, over the step:
     * {@code samples * ((1 - share) * run - fetch * fed bytes)}, plus a whole compile when its whole model
     * is not kept, minus {@code share} of one when its suffix is not. Best first, the prefix whose total
     * most exceeds what it needs: a capture run of its tensors unless {@code captured} already (a whole run
     * plus fetching per sample, plus a compile unless {@code captureKept}) and, before the search's first
     * suffix, the check (a whole run and a suffix run per sample, and a compile). Tensors must fit in
     * {@code budgetBytes}. Without measured costs every suffix that fits is taken.
     */
    static Set<String> choose(List<Option> options, Map<String, Long> tensorBytes, int samples, long budgetBytes, Costs c,
            Predicate<Set<String>> captured, Predicate<Set<String>> captureKept) {
        double a = c.run();
        double feed = c.feedPerByte();
        double cap = c.capture();
        double phi = c.fetchPerByte();
        boolean costed = c.known();
        double compile = Double.isFinite(c.compile()) ? c.compile() : 0;
        double captureCompile = Double.isFinite(c.captureCompile()) ? c.captureCompile() : 0;
        Map<String, Double> saving = new HashMap<>();
        Map<String, Option> byId = new LinkedHashMap<>();
        for (Option o : options) {
            byId.put(o.id(), o);
            double v = (1 - o.share()) * samples;
            if (costed) {
                v = samples * ((1 - o.share()) * a - feed * bytes(tensorBytes, o.tensors()))
                        + (o.wholeKept() ? 0 : compile) - (o.suffixKept() ? 0 : o.share() * compile);
            }
            saving.put(o.id(), v);
        }
        List<String> order = new ArrayList<>(byId.keySet());
        order.sort(Comparator.<String>comparingDouble(id -> -saving.get(id)).thenComparingDouble(id -> byId.get(id).share()));
        Set<String> chosen = new LinkedHashSet<>();
        Set<String> tensors = new LinkedHashSet<>();
        Set<String> best = new LinkedHashSet<>();
        double bestValue = 0;
        double saved = 0;
        for (String id : order) {
            if (saving.get(id) <= 0) {
                break;
            }
            Set<String> all = new LinkedHashSet<>(tensors);
            all.addAll(byId.get(id).tensors());
            if (bytes(tensorBytes, all) * samples > budgetBytes) {
                continue; // its tensors do not fit: it runs whole
            }
            chosen.add(id);
            tensors = all;
            saved += saving.get(id);
            double value = saved;
            if (costed) {
                double capture = tensors.isEmpty() || captured.test(tensors) ? 0
                        : samples * (cap + phi * bytes(tensorBytes, tensors)) + (captureKept.test(tensors) ? 0 : captureCompile);
                double check = c.checked() ? 0 : samples * a * 2 + compile;
                value = saved - capture - check;
            }
            if (value > bestValue) {
                bestValue = value;
                best = new LinkedHashSet<>(chosen);
            }
        }
        return best;
    }

    private static String fmt(double v) {
        return String.format(java.util.Locale.ROOT, "%.4g", v);
    }

    /** Bytes per sample of a tensor whose shape after the batch dimension is declared, else 0. */
    static long staticBytes(TensorInfo t) {
        long[] shape = t.shape();
        if (shape.length < 2) {
            return 0;
        }
        long n = 1;
        for (int i = 1; i < shape.length; i++) {
            if (shape[i] <= 0) {
                return 0;
            }
            n *= shape[i];
        }
        return n * t.dataType().byteSize();
    }

    /** The cut tensors (not model inputs) a suffix is fed. */
    private static Set<String> fed(SuffixRuns.Suffix s, Set<String> modelInputs) {
        Set<String> t = new LinkedHashSet<>();
        for (TensorInfo i : s.inputs()) {
            if (!modelInputs.contains(i.name())) {
                t.add(i.name());
            }
        }
        return t;
    }

    private long bytes(Set<String> tensors) {
        return bytes(tensorBytes, tensors);
    }

    private static long bytes(Map<String, Long> tensorBytes, Set<String> tensors) {
        long b = 0;
        for (String t : tensors) {
            b += tensorBytes.getOrDefault(t, 0L);
        }
        return b;
    }

    private long capturedBytes(Map<Integer, Map<String, Tensor>> captured) {
        long b = 0;
        for (Map<String, Tensor> m : captured.values()) {
            b += bytes(m.keySet());
        }
        return b;
    }

    /**
     * How many samples a capture run for {@code tensors} on {@code samples} has to run: none when every
     * one was captured over this very list, else all of them (a capture runs the step's own batches).
     */
    private static int missing(RankingSession session, Set<String> tensors, int[] samples) {
        if (tensors.isEmpty()) {
            return 0;
        }
        Map<Integer, Map<String, Tensor>> captured = session.capturedOn(samples);
        for (int i : samples) {
            Map<String, Tensor> m = captured.get(i);
            if (m == null || !m.keySet().containsAll(tensors)) {
                return samples.length;
            }
        }
        return 0;
    }

    /**
     * Checks the first suffix run of a search against the whole model (same plan, same samples):
     * the suffix's outputs must be as close to the whole model's as {@link #CHECK_SHARE} of the
     * whole model's own distance to FP32 (a wrong cut misses the revert and lands near the current
     * plan instead; fused kernels and 8-bit rounding that differ at the cut give a little noise, on
     * MiniLM 0.1% of the NMSE). False, and suffix runs off for the rest of the search, otherwise.
     */
    boolean confirm(RankingSession session, String node, Target target, QuantizationPlan plan, int[] subset,
            Map<Integer, List<Tensor>> fp32Outputs) {
        checked = true;
        Model whole = session.whole(node, plan);
        EvaluationResult wholeRun = evaluator.evaluate(whole, EvaluationRequest.of(plan, validation, List.of(),
                "check suffix run (whole model)").withIndices(subset).withKeepOutputs(true).withReference(fp32Outputs));
        Map<Integer, List<Tensor>> wholeOutputs = new HashMap<>();
        for (int p = 0; p < wholeRun.indices().length; p++) {
            wholeOutputs.put(wholeRun.indices()[p], wholeRun.outputs().get(p));
        }
        EvaluationResult part = evaluator.evaluate(suffixModel(session, node, target), EvaluationRequest.of(plan, target.data(),
                List.of(), "check suffix run").withIndices(subset).withReference(wholeOutputs));
        double error = fp32Outputs == null ? Double.NaN : MetricsProbe.mean(wholeRun.distances());
        double disagreement = MetricsProbe.mean(part.distances());
        boolean same = disagreement <= (Double.isFinite(error) ? CHECK_SHARE * error : 0) + 1e-9;
        identical = disagreement == 0;
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

    /** The suffix of {@code node} as a model whose compiled form the session keeps. */
    Model suffixModel(RankingSession session, String node, Target target) {
        SuffixModel m = new SuffixModel(model, target.suffix());
        return session.cached(node + RankingSession.SUFFIX, m, target.share(), () -> target.suffix().compile(session.concurrentRuns()));
    }

    boolean checked() {
        return checked;
    }

    private static String captureKey(Set<String> tensors) {
        return "\ncapture\n" + String.join("\n", tensors);
    }

    /**
     * Runs the current plan on {@code indices} fetching {@code tensors}, and keeps them per sample in
     * the session (their bytes per sample in this search).
     *
     * @param timed whether to log what the run cost per sample
     * @param keep  whether the tensors are kept for a step on exactly {@code indices}
     */
    private void capture(RankingSession session, Set<String> tensors, int[] indices, String stage, boolean timed, boolean keep) {
        // only a capture model of exactly these tensors is reused: asking a runtime for more outputs can
        // change what it fuses, and so the tensors' values (MobileNetV2 on ONNX Runtime: other scores)
        List<String> fetch = new ArrayList<>(tensors);
        String key = captureKey(tensors);
        CaptureModel cm = new CaptureModel(model, fetch);
        List<String> names = fetch;
        double compileBefore = session.compileSeconds();
        Model seen = session.cached(key, cm, 1.0, () -> Compilation.compile(model, session.current, new LinkedHashSet<>(names),
                session.concurrentRuns()));
        EvaluationResult r = evaluator.evaluate(seen, EvaluationRequest.of(session.current, validation, List.of(), stage)
                .withIndices(indices).withKeepOutputs(true));
        double compile = session.compileSeconds() - compileBefore;
        session.count(indices.length);
        int outs = model.outputs().size();
        long perSample = 0;
        for (int p = 0; p < r.indices().length; p++) {
            List<Tensor> o = r.outputs().get(p);
            Map<String, Tensor> m = keep ? session.capturedOn(indices).computeIfAbsent(r.indices()[p], k -> new HashMap<>()) : new HashMap<>();
            perSample = 0;
            for (int k = 0; k < names.size(); k++) {
                Tensor t = o.get(outs + k);
                long[] s = t.shape();
                long b = (long) t.size() * t.dataType().byteSize();
                perSample += b;
                tensorBytes.put(names.get(k), b); // measured: over any declared shape
                if (tensors.contains(names.get(k))) {
                    m.put(names.get(k), t.reshape(java.util.Arrays.copyOfRange(s, 1, s.length)));
                }
            }
        }
        if (timed && indices.length > 1) {
            LOG.debug("{}: {} ms/sample without its compile for {} KiB fetched per sample", stage,
                    fmt(Math.max(0, r.seconds() - compile) / indices.length * 1e3), perSample >> 10);
        }
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

    /**
     * Cuts the suffixes of {@code ids} into the session, in parallel on the ranking's workers when the
     * backend allows it (MiniLM: 40 cuts of 4-15 ms each per ranking, ~0.57 s one at a time).
     */
    private static void cut(SuffixRuns runs, RankingSession session, List<String> ids, Function<String, QuantizationPlan> variant) {
        int threads = runs.concurrentSuffixes() ? Math.min(session.concurrentRuns(), ids.size()) : 1;
        List<SuffixRuns.Suffix> cuts = new ArrayList<>(java.util.Collections.nCopies(ids.size(), null));
        if (threads <= 1) {
            for (int i = 0; i < ids.size(); i++) {
                cuts.set(i, cutOne(runs, session, ids.get(i), variant));
            }
        } else {
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads, r -> {
                Thread t = new Thread(r, "pot4j-cut");
                t.setDaemon(true);
                return t;
            });
            try {
                List<java.util.concurrent.Future<SuffixRuns.Suffix>> futures = new ArrayList<>();
                for (String id : ids) {
                    futures.add(pool.submit(() -> cutOne(runs, session, id, variant)));
                }
                for (int i = 0; i < ids.size(); i++) {
                    cuts.set(i, futures.get(i).get());
                }
            } catch (java.util.concurrent.ExecutionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("cutting suffixes was interrupted", e);
            } finally {
                pool.shutdownNow();
            }
        }
        for (int i = 0; i < ids.size(); i++) {
            if (cuts.get(i) != null) {
                session.suffixes.put(ids.get(i), cuts.get(i));
            }
        }
    }

    /** One candidate's suffix, or null when the backend cannot cut it. */
    private static SuffixRuns.Suffix cutOne(SuffixRuns runs, RankingSession session, String id, Function<String, QuantizationPlan> variant) {
        try {
            return runs.suffix(session.current, variant.apply(id));
        } catch (RuntimeException e) {
            LOG.debug("no suffix for {}: {}", id, e.toString());
            return null;
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

        @Override
        public CompiledModel compile(QuantizationPlan plan, Set<String> extraOutputs, int concurrentRuns) {
            return suffix.compile(concurrentRuns);
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
