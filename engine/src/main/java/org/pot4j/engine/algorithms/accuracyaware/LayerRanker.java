package org.pot4j.engine.algorithms.accuracyaware;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.ProgressListener;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.QuantizableNode;
import org.pot4j.api.quant.QuantizationPlan;

/**
 * Step 4 of the algorithm: reverts each candidate node alone (with its quantizer group, see
 * {@link NodeReverter}) and scores the model on the ranking subset. Candidates are independent, so
 * they run on a bounded pool; results are collected in
 * candidate order and sorted with a total order (score, then NMSE, then topological position), so
 * the ranking is the same with 1 or N workers.
 */
final class LayerRanker {
    private static final AtomicInteger THREADS = new AtomicInteger();
    /**
     * From this many batches per worker, candidates are scored one at a time, each run on every worker,
     * instead of side by side on one worker each. Measured on the 4-bit MNIST ResNet (Xeon, 2 cores,
     * ONNX Runtime; 300 samples, 19 batches): two candidates side by side ran at 0.58 ms per sample and
     * thread (0.29 ms of wall time), one at a time 0.20 ms, a validation pass on two workers 0.12-0.16 ms.
     * With fewer batches the workers wait for the longest one (MobileNetV2's and MiniLM's 50 samples are
     * 16+16+16+2: one at a time on two workers cost MobileNetV2 a validation pass per search), and on a
     * few samples (the pre-rank's 8-32) a candidate is mostly its compile, and compiles overlap.
     */
    static final int SEQUENTIAL_BATCHES = 4;

    private final NodeReverter reverter;
    private final AccuracyProbe probe;
    private final ProgressListener progress;
    private final int workers;
    private final SuffixScoring suffixes;
    private final Model model;
    private final Dataset validation;
    private final boolean cacheCompiles;
    /** Model runs the last {@link #rank} cost, in whole-model runs of one sample (a suffix run counts its share). */
    private double lastSampleRuns;

    LayerRanker(NodeReverter reverter, AccuracyProbe probe, ProgressListener progress, int workers) {
        this(reverter, probe, progress, workers, null, null, null, false);
    }

    /**
     * @param suffixes      scores candidates from cut tensors when the backend can (null = whole models only)
     * @param model         the model ranked (whole runs through a {@link RankingSession}'s kept compiled models)
     * @param validation    its validation samples
     * @param cacheCompiles whether a ranking keeps compiled candidates for its later steps (evaluations in process)
     */
    LayerRanker(NodeReverter reverter, AccuracyProbe probe, ProgressListener progress, int workers, SuffixScoring suffixes,
            Model model, Dataset validation, boolean cacheCompiles) {
        this.reverter = reverter;
        this.probe = probe;
        this.progress = progress;
        this.workers = Math.max(1, workers);
        this.suffixes = suffixes;
        this.model = model;
        this.validation = validation;
        this.cacheCompiles = cacheCompiles && model != null && validation != null;
    }

    /** What the last ranking cost in whole-model runs of one sample (suffix runs count their share). */
    double lastSampleRuns() {
        return lastSampleRuns;
    }

    /**
     * A ranking of {@code current}: its steps ({@link #rank}) share suffixes, captured tensors and up to
     * {@code keep} compiled candidates (+ the current plan's and the capture's). Close it when the ranking ends.
     */
    RankingSession open(QuantizationPlan current, int keep, ControlledMetric focus) {
        return new RankingSession(model, current, keep + 2, compiledBudget(model), order(), cacheCompiles,
                probe.parallelScoring(focus) ? workers : 1);
    }

    /**
     * Bytes of compiled models a ranking keeps: an eighth of the machine's memory (a compiled model is
     * estimated at the model file's size times the share of it that runs), at least two models.
     */
    private static long compiledBudget(Model model) {
        long total = Runtime.getRuntime().maxMemory() * 2;
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            total = os.getTotalMemorySize();
        }
        long size = model == null ? 0 : Math.max(0, model.sizeOnDisk());
        return Math.max(total / 8, 2 * size);
    }

    /**
     * {@code plan}'s score on {@code samples} outside a ranking (a screen), on every worker when the
     * run is long enough ({@link #longRun}); the same score as one worker gives.
     */
    CandidateScore score(QuantizationPlan plan, int[] samples, ControlledMetric focus, Map<Integer, List<Tensor>> fp32Outputs) {
        if (model != null && validation != null && probe.suffixScoring(focus) && longRun(samples.length)) {
            return probe.score(model, validation, plan, samples, focus, fp32Outputs, workers);
        }
        return probe.score(plan, samples, focus, fp32Outputs);
    }

    /** Whether a run of {@code samples} samples has {@link #SEQUENTIAL_BATCHES} batches for every worker. */
    private boolean longRun(int samples) {
        int batch = model == null ? org.pot4j.engine.data.Batches.DEFAULT_BATCH : org.pot4j.engine.data.Batches.batchSizeFor(model);
        return workers > 1 && samples >= (long) SEQUENTIAL_BATCHES * batch * workers;
    }

    /** {@code current}'s score on {@code samples}, compiled once per session (reused by later steps). */
    CandidateScore scoreCurrent(RankingSession session, int[] samples, ControlledMetric focus, Map<Integer, List<Tensor>> fp32Outputs) {
        session.count(samples.length);
        if (cacheCompiles && probe.suffixScoring(focus)) {
            return probe.score(session.whole(RankingSession.CURRENT, session.current), validation, session.current, samples, focus, fp32Outputs,
                    longRun(samples.length) ? workers : 1);
        }
        return probe.score(session.current, samples, focus, fp32Outputs);
    }

    /** Thrown when the time budget runs out before every candidate was scored. */
    static final class BudgetExceeded extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BudgetExceeded() {
            super("max_time reached during ranking", null, false, false);
        }
    }

    /** {@link #rank(RankingSession, List, int[], ControlledMetric, Map, String, long)} in a session of its own. */
    List<RankEntry> rank(QuantizationPlan current, List<QuantizableNode> candidates, int[] subset, ControlledMetric focus,
            Map<Integer, List<Tensor>> fp32Outputs, String stage, long deadlineNanos) {
        try (RankingSession session = open(current, 0, focus)) {
            return rank(session, candidates, subset, focus, fp32Outputs, stage, deadlineNanos);
        }
    }

    /**
     * Ranks {@code candidates} of the session's plan on {@code subset}, best candidate (whose revert
     * helps most) first.
     *
     * @param deadlineNanos {@link System#nanoTime()} after which no new candidate is started
     * @throws BudgetExceeded when the deadline passed before all candidates were scored
     */
    List<RankEntry> rank(RankingSession session, List<QuantizableNode> candidates, int[] subset, ControlledMetric focus,
            Map<Integer, List<Tensor>> fp32Outputs, String stage, long deadlineNanos) {
        QuantizationPlan current = session.current;
        int n = candidates.size();
        RankEntry[] results = new RankEntry[n];
        AtomicLong done = new AtomicLong();
        double before = session.sampleRuns();
        Map<String, SuffixScoring.Target> targets = Map.of();
        if (suffixes != null && suffixes.available() && probe.suffixScoring(focus) && n > 1) {
            targets = suffixes.targets(session, candidates, id -> reverter.revert(current, id), subset, fp32Outputs);
        }
        Map<String, SuffixScoring.Target> via = targets;
        progress.stageStarted(stage, n);
        try {
            int threads = probe.parallelScoring(focus) ? Math.min(workers, n) : 1;
            int inner = 1;
            if (threads > 1 && longRun(subset.length) && probe.suffixScoring(focus)) {
                // long runs: one candidate at a time on every worker (see SEQUENTIAL_BATCHES)
                inner = threads;
                threads = 1;
            }
            int perCandidate = inner;
            if (threads <= 1) {
                for (int i = 0; i < n; i++) {
                    results[i] = score(session, candidates.get(i), subset, focus, fp32Outputs, deadlineNanos, via, perCandidate);
                    progress.progress(stage, done.incrementAndGet(), n);
                }
            } else {
                ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
                    Thread t = new Thread(r, "pot4j-rank-" + THREADS.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
                try {
                    // longest first (whole models, then suffixes by share), so the last candidate to finish is a
                    // short one and no worker idles long at the end of a step; results keep candidate order
                    Integer[] start = new Integer[n];
                    for (int i = 0; i < n; i++) {
                        start[i] = i;
                    }
                    java.util.Arrays.sort(start, Comparator.comparingDouble((Integer i) -> {
                        SuffixScoring.Target t = via.get(candidates.get(i).id());
                        return t == null ? 1.0 : t.share();
                    }).reversed());
                    List<Future<RankEntry>> futures = new ArrayList<>(java.util.Collections.nCopies(n, null));
                    for (int i : start) {
                        QuantizableNode c = candidates.get(i);
                        futures.set(i, pool.submit(() -> {
                            RankEntry e = score(session, c, subset, focus, fp32Outputs, deadlineNanos, via, 1);
                            progress.progress(stage, done.incrementAndGet(), n);
                            return e;
                        }));
                    }
                    for (int i = 0; i < n; i++) {
                        results[i] = futures.get(i).get();
                    }
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof RuntimeException r) {
                        throw r;
                    }
                    if (cause instanceof Error err) {
                        throw err;
                    }
                    throw new Pot4jException(ErrorCode.INTERNAL, "ranking failed: " + cause, cause);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new Pot4jException(ErrorCode.INTERNAL, "ranking was interrupted", e);
                } finally {
                    // the session may close the compiled models next: no candidate may still be running
                    pool.shutdownNow();
                    try {
                        pool.awaitTermination(1, java.util.concurrent.TimeUnit.MINUTES);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        } finally {
            progress.stageFinished(stage);
            lastSampleRuns = session.sampleRuns() - before;
        }
        List<RankEntry> ranked = new ArrayList<>(List.of(results));
        ranked.sort(order());
        return ranked;
    }

    private RankEntry score(RankingSession session, QuantizableNode node, int[] subset, ControlledMetric focus,
            Map<Integer, List<Tensor>> fp32Outputs, long deadlineNanos, Map<String, SuffixScoring.Target> via, int inferenceWorkers) {
        if (System.nanoTime() - deadlineNanos > 0) {
            throw new BudgetExceeded();
        }
        QuantizationPlan current = session.current;
        QuantizationPlan plan = reverter.revert(current, node.id());
        SuffixScoring.Target t = via.get(node.id());
        CandidateScore s;
        String key;
        if (t != null) {
            key = node.id() + RankingSession.SUFFIX;
            s = probe.score(suffixes.suffixModel(session, node.id(), t), t.data(), plan, subset, focus, fp32Outputs, inferenceWorkers);
            session.count(t.share() * subset.length);
        } else {
            key = node.id();
            Model whole = session.whole(key, plan); // the model itself when nothing is kept
            s = cacheCompiles && probe.suffixScoring(focus)
                    ? probe.score(whole, validation, plan, subset, focus, fp32Outputs, inferenceWorkers)
                    : probe.score(plan, subset, focus, fp32Outputs);
            session.count(subset.length);
        }
        List<String> group = reverter.group(current, node.id()).stream().map(QuantizableNode::id).toList();
        RankEntry e = new RankEntry(node.id(), node.opType(), s.score(), s.metricSum(), s.nmse(), group);
        session.scored(key, e);
        return e;
    }

    /** Higher score first; then lower NMSE (a finer signal when metric sums tie); then graph order. */
    private Comparator<RankEntry> order() {
        return (a, b) -> {
            int c = Double.compare(b.score(), a.score());
            if (c != 0) {
                return c;
            }
            double na = Double.isNaN(a.nmse()) ? Double.POSITIVE_INFINITY : a.nmse();
            double nb = Double.isNaN(b.nmse()) ? Double.POSITIVE_INFINITY : b.nmse();
            c = Double.compare(na, nb);
            if (c != 0) {
                return c;
            }
            return Integer.compare(reverter.position(a.node()), reverter.position(b.node()));
        };
    }
}
