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

    private final NodeReverter reverter;
    private final AccuracyProbe probe;
    private final ProgressListener progress;
    private final int workers;
    private final SuffixScoring suffixes;
    /** Model runs the last {@link #rank} cost, in whole-model runs of one sample (a suffix run counts its share). */
    private double lastSampleRuns;

    LayerRanker(NodeReverter reverter, AccuracyProbe probe, ProgressListener progress, int workers) {
        this(reverter, probe, progress, workers, null);
    }

    /** @param suffixes scores candidates from cut tensors when the backend can (null = whole models only) */
    LayerRanker(NodeReverter reverter, AccuracyProbe probe, ProgressListener progress, int workers, SuffixScoring suffixes) {
        this.reverter = reverter;
        this.probe = probe;
        this.progress = progress;
        this.workers = Math.max(1, workers);
        this.suffixes = suffixes;
    }

    /** What the last ranking cost in whole-model runs of one sample (suffix runs count their share of the nodes). */
    double lastSampleRuns() {
        return lastSampleRuns;
    }

    /** Thrown when the time budget runs out before every candidate was scored. */
    static final class BudgetExceeded extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BudgetExceeded() {
            super("max_time reached during ranking", null, false, false);
        }
    }

    /**
     * Ranks {@code candidates} of {@code current}, best candidate (whose revert helps most) first.
     *
     * @param deadlineNanos {@link System#nanoTime()} after which no new candidate is started
     * @throws BudgetExceeded when the deadline passed before all candidates were scored
     */
    List<RankEntry> rank(QuantizationPlan current, List<QuantizableNode> candidates, int[] subset, ControlledMetric focus,
            Map<Integer, List<Tensor>> fp32Outputs, String stage, long deadlineNanos) {
        int n = candidates.size();
        RankEntry[] results = new RankEntry[n];
        AtomicLong done = new AtomicLong();
        Map<String, SuffixScoring.Target> targets = Map.of();
        double runs = n;
        if (suffixes != null && suffixes.available() && probe.suffixScoring(focus) && n > 1) {
            SuffixScoring.Prepared p = suffixes.prepare(current, candidates, id -> reverter.revert(current, id), subset);
            targets = p.targets();
            runs += p.captureRuns();
            if (!targets.isEmpty() && !suffixes.checked()) {
                // the first suffix of a search must give what the whole model gives, else whole models from now on
                QuantizableNode first = candidates.stream().filter(c -> p.targets().containsKey(c.id())).findFirst().orElseThrow();
                SuffixScoring.Target t = targets.get(first.id());
                QuantizationPlan plan = reverter.revert(current, first.id());
                runs += 1 + t.share();
                if (!suffixes.confirm(first.id(), t, plan, subset, fp32Outputs)) {
                    targets = Map.of();
                }
            }
            for (SuffixScoring.Target t : targets.values()) {
                runs -= 1 - t.share();
            }
        }
        lastSampleRuns = runs * subset.length;
        Map<String, SuffixScoring.Target> via = targets;
        progress.stageStarted(stage, n);
        try {
            int threads = probe.parallelScoring(focus) ? Math.min(workers, n) : 1;
            if (threads <= 1) {
                for (int i = 0; i < n; i++) {
                    results[i] = score(current, candidates.get(i), subset, focus, fp32Outputs, deadlineNanos, via);
                    progress.progress(stage, done.incrementAndGet(), n);
                }
            } else {
                ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
                    Thread t = new Thread(r, "pot4j-rank-" + THREADS.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
                try {
                    List<Future<RankEntry>> futures = new ArrayList<>();
                    for (QuantizableNode c : candidates) {
                        futures.add(pool.submit(() -> {
                            RankEntry e = score(current, c, subset, focus, fp32Outputs, deadlineNanos, via);
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
                    pool.shutdownNow();
                }
            }
        } finally {
            progress.stageFinished(stage);
        }
        List<RankEntry> ranked = new ArrayList<>(List.of(results));
        ranked.sort(order());
        return ranked;
    }

    private RankEntry score(QuantizationPlan current, QuantizableNode node, int[] subset, ControlledMetric focus,
            Map<Integer, List<Tensor>> fp32Outputs, long deadlineNanos, Map<String, SuffixScoring.Target> via) {
        if (System.nanoTime() - deadlineNanos > 0) {
            throw new BudgetExceeded();
        }
        QuantizationPlan plan = reverter.revert(current, node.id());
        SuffixScoring.Target t = via.get(node.id());
        CandidateScore s = t == null ? probe.score(plan, subset, focus, fp32Outputs)
                : probe.score(t.model(), t.data(), plan, subset, focus, fp32Outputs);
        List<String> group = reverter.group(current, node.id()).stream().map(QuantizableNode::id).toList();
        return new RankEntry(node.id(), node.opType(), s.score(), s.metricSum(), s.nmse(), group);
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
