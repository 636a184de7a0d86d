package org.pot4j.engine.algorithms.accuracyaware;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.pot4j.api.ProgressListener;
import org.pot4j.api.Tensor;
import org.pot4j.api.metric.Metric;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.QuantizableNode;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.engine.evaluation.Evaluator;
import org.pot4j.engine.testing.DelegatingCompiledModel;
import org.pot4j.engine.testing.TestAlgorithmContext;

/**
 * One ranking, several steps ({@link RankingSession}): a candidate is compiled once however many
 * steps score it, the compiled models are closed with the session (at most the bound kept, worst
 * ranked closed first), and the scores are those of a ranking that compiles everything afresh.
 * The suffix-or-whole choice follows the costs of the model's and the tensors' sizes.
 */
class RankingSessionTest {
    /** Counts compiles and closes of the compiled models. */
    static final class Counting extends DelegatingModel {
        final AtomicInteger compiles = new AtomicInteger();
        final AtomicInteger closes = new AtomicInteger();
        /** The concurrent-runs hints compiles were given (none: the caller gave no hint). */
        final Set<Integer> hints = java.util.concurrent.ConcurrentHashMap.newKeySet();

        Counting(Model inner) {
            super(inner);
        }

        @Override
        public CompiledModel compile(QuantizationPlan plan, Set<String> extraOutputs, int concurrentRuns) {
            hints.add(concurrentRuns);
            return compile(plan, extraOutputs);
        }

        @Override
        public CompiledModel compile(QuantizationPlan plan, Set<String> extraOutputs) {
            compiles.incrementAndGet();
            return new DelegatingCompiledModel(inner.compile(plan, extraOutputs)) {
                @Override
                public void close() {
                    closes.incrementAndGet();
                    super.close();
                }
            };
        }
    }

    private static final ControlledMetric NMSE = new ControlledMetric("nmse to fp32", "nmse", -1, false, false, 0, "pre-rank",
            null, 0);
    private static final ControlledMetric ACCURACY = new ControlledMetric("accuracy@top1", "accuracy", 0, true, true, 1.0,
            "measured", null, 1.0);

    private static long later() {
        return System.nanoTime() + 3_600_000_000_000L;
    }

    /** A one-worker ranker over the fixture's quantized candidates, 16 samples with their FP32 outputs, counters at 0. */
    private static final class OneWorker {
        final AaFixture f = new AaFixture();
        final Counting model = new Counting(f.model);
        final QuantizationPlan plan = AaFixture.sensitiveQuantizer().run(model, TestAlgorithmContext.bare(f.calibration)).plan();
        final NodeReverter reverter = new NodeReverter(model.quantizableNodes());
        final Evaluator ev = new Evaluator(ProgressListener.NONE, 1);
        final LayerRanker ranker = new LayerRanker(reverter, new MetricsProbe(model, f.validation, List.of(TestMetrics.Accuracy::new),
                ev, ev), ProgressListener.NONE, 1, null, model, f.validation, true);
        final List<QuantizableNode> candidates = reverter.quantized(plan).stream()
                .filter(n -> reverter.revertChangesNumerics(plan, n.id())).toList();
        final int[] few = IntStream.range(0, 16).toArray();
        final Map<Integer, List<Tensor>> reference = ev.fp32Outputs(model, f.validation, few, "fp32");

        OneWorker() {
            model.compiles.set(0);
            model.closes.set(0);
        }
    }

    @Test
    void theConfirmStepReusesThePreRanksCompiledCandidatesAndScoresAsAFreshRanking() {
        AaFixture f = new AaFixture();
        Counting model = new Counting(f.model);
        QuantizationPlan plan = AaFixture.sensitiveQuantizer().run(model, TestAlgorithmContext.bare(f.calibration)).plan();
        NodeReverter reverter = new NodeReverter(model.quantizableNodes());
        Evaluator ev = new Evaluator(ProgressListener.NONE, 2);
        List<Supplier<Metric>> metrics = List.of(TestMetrics.Accuracy::new);
        MetricsProbe probe = new MetricsProbe(model, f.validation, metrics, ev, ev);
        LayerRanker ranker = new LayerRanker(reverter, probe, ProgressListener.NONE, 2, null, model, f.validation, true);
        List<QuantizableNode> candidates = new ArrayList<>();
        for (QuantizableNode n : reverter.quantized(plan)) {
            if (reverter.revertChangesNumerics(plan, n.id())) {
                candidates.add(n);
            }
        }
        assertTrue(candidates.size() >= 4, "candidates: " + candidates);
        int[] subset = IntStream.range(0, 100).toArray();
        int[] few = FastSearch.preRankSamples(subset);
        Map<Integer, List<Tensor>> reference = ev.fp32Outputs(model, f.validation, subset, "fp32");

        model.compiles.set(0);
        model.closes.set(0);
        List<RankEntry> exact;
        try (RankingSession session = ranker.open(plan, 16, ACCURACY)) {
            List<RankEntry> pre = ranker.rank(session, candidates, few, NMSE, reference, "pre-rank", later());
            List<QuantizableNode> top = new ArrayList<>();
            for (RankEntry e : pre.subList(0, 3)) {
                top.add(reverter.node(e.node()));
            }
            exact = ranker.rank(session, top, subset, ACCURACY, reference, "confirm", later());
            ranker.scoreCurrent(session, few, NMSE, reference);
            ranker.scoreCurrent(session, subset, ACCURACY, reference);
            assertEquals(candidates.size() + 1, model.compiles.get(), "each candidate and the current plan compiled once");
            assertEquals(0, model.closes.get(), "kept while the ranking lasts");
            assertEquals(Set.of(2), model.hints, "two ranking workers: every compile told two runs are in flight");
        }
        assertEquals(model.compiles.get(), model.closes.get(), "every compiled model closed with the session");

        List<QuantizableNode> again = exact.stream().map(e -> reverter.node(e.node())).toList();
        LayerRanker fresh = new LayerRanker(reverter, probe, ProgressListener.NONE, 1);
        assertEquals(fresh.rank(plan, again, subset, ACCURACY, reference, "fresh", later()), exact,
                "same scores as whole models compiled afresh, one worker");
    }

    @Test
    void theConfirmStepKeepsOnlyItsOwnCandidatesCompiled() {
        OneWorker w = new OneWorker();
        Counting model = w.model;
        LayerRanker ranker = w.ranker;
        List<QuantizableNode> candidates = w.candidates;
        int[] few = w.few;
        Map<Integer, List<Tensor>> reference = w.reference;
        assertTrue(candidates.size() >= 3, "candidates: " + candidates);
        try (RankingSession session = ranker.open(w.plan, 16, ACCURACY)) {
            ranker.rank(session, candidates, few, NMSE, reference, "pre-rank", later());
            ranker.scoreCurrent(session, few, NMSE, reference);
            assertEquals(0, model.closes.get(), "every candidate kept after the pre-rank");
            String confirmed = candidates.get(1).id();
            session.retainOnly(Set.of(confirmed));
            assertEquals(candidates.size() - 1, model.closes.get(), "the candidates the confirm step will not run are closed");
            assertTrue(session.isCompiled(confirmed));
            assertTrue(session.isCompiled(RankingSession.CURRENT), "the current plan's model is not a candidate's");
        }
    }

    @Test
    void aBoundedSessionClosesTheWorstRankedFirst() {
        OneWorker w = new OneWorker();
        Counting model = w.model;
        LayerRanker ranker = w.ranker;
        QuantizationPlan plan = w.plan;
        List<QuantizableNode> candidates = w.candidates;
        int[] few = w.few;
        Map<Integer, List<Tensor>> reference = w.reference;
        try (RankingSession session = ranker.open(plan, 0, ACCURACY)) { // keeps 2
            List<RankEntry> pre = ranker.rank(session, candidates, few, NMSE, reference, "pre-rank", later());
            assertEquals(candidates.size() - 2, model.closes.get(), "all but two closed during the ranking");
            int before = model.compiles.get();
            ranker.rank(session, List.of(w.reverter.node(pre.get(0).node()), w.reverter.node(pre.get(1).node())), few, ACCURACY,
                    reference, "confirm", later());
            assertEquals(before, model.compiles.get(), "the two best were kept");
        }
        assertEquals(model.compiles.get(), model.closes.get());
    }

    private static SuffixScoring.Option option(String id, double share, boolean suffixKept, String... tensors) {
        return new SuffixScoring.Option(id, share, Set.of(tensors), false, suffixKept);
    }

    @Test
    void suffixesAreChosenWhenTheyPayForTheirTensors() {
        // costs in bytes copied (SuffixScoring.RUN_DIVISOR): the 4-bit MNIST ResNet's 1.2 MB, 100 KB cut tensors
        double resnetRun = 1_233_173.0 / SuffixScoring.RUN_DIVISOR;
        double resnetCompile = 1_233_173.0 * SuffixScoring.COMPILE_MODELS;
        Map<String, Long> resnetBytes = Map.of("a", 100_352L, "b", 100_352L, "c", 200_704L, "pool", 128L);
        List<SuffixScoring.Option> resnet = List.of(option("conv1", 0.9, false, "a"), option("conv2", 0.5, false, "b"),
                option("conv3", 0.3, false, "c"), option("fc", 0.05, false, "pool"));
        SuffixScoring.Costs resnetCosts = new SuffixScoring.Costs(resnetRun, 1, resnetRun, 1, resnetCompile, resnetCompile, true);
        assertEquals(Set.of(), SuffixScoring.choose(resnet.subList(0, 3), resnetBytes, 300, Long.MAX_VALUE, resnetCosts,
                t -> false, t -> false), "fetching 100 KB costs more than the run it saves: whole runs");
        assertEquals(Set.of("fc"), SuffixScoring.choose(resnet, resnetBytes, 300, Long.MAX_VALUE, resnetCosts, t -> false, t -> true),
                "a suffix fed 128 bytes pays for its capture run (the capture model kept)");
        assertEquals(Set.of(), SuffixScoring.choose(resnet, resnetBytes, 300, Long.MAX_VALUE, resnetCosts, t -> false, t -> false),
                "not for compiling a capture model as well");
        assertEquals(Set.of(), SuffixScoring.choose(resnet, resnetBytes, 300, Long.MAX_VALUE,
                new SuffixScoring.Costs(resnetRun, 1, resnetRun, 1, resnetCompile, resnetCompile, false), t -> false, t -> true), "nor for the check");

        // MiniLM's 91 MB, 100 KB cut tensors, suffixes kept compiled from the pre-rank
        double minilmRun = 90_984_153.0 / SuffixScoring.RUN_DIVISOR;
        double minilmCompile = 90_984_153.0 * SuffixScoring.COMPILE_MODELS;
        Map<String, Long> minilmBytes = Map.of("h0", 98_304L, "h1", 98_304L, "h2", 98_304L);
        List<SuffixScoring.Option> minilm = List.of(option("layer.0", 0.97, true, "h0"), option("layer.1", 0.8, true, "h1"),
                option("layer.2", 0.65, true, "h2"));
        SuffixScoring.Costs minilmCosts = new SuffixScoring.Costs(minilmRun, 1, minilmRun, 1, minilmCompile, minilmCompile, true);
        assertEquals(Set.of("layer.0", "layer.1", "layer.2"), SuffixScoring.choose(minilm, minilmBytes, 50, Long.MAX_VALUE,
                minilmCosts, t -> false, t -> false), "suffixes kept compiled save whole compiles");
        assertEquals(Set.of("layer.1", "layer.2"), SuffixScoring.choose(minilm, minilmBytes, 50, 2 * 98_304L * 50, minilmCosts,
                t -> false, t -> false), "within the memory budget, best savings first");
        assertEquals(Set.of("layer.0", "layer.1", "layer.2"), SuffixScoring.choose(minilm, minilmBytes, 50, Long.MAX_VALUE,
                SuffixScoring.Costs.NONE, t -> false, t -> false),
                "without measured costs every suffix that fits");
    }
}
