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

    LayerRanker(NodeReverter reverter, AccuracyProbe probe, ProgressListener progress, int workers) {
        this.reverter = reverter;
        this.probe = probe;
        this.progress = progress;
        this.workers = Math.max(1, workers);
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
        progress.stageStarted(stage, n);
        try {
            int threads = probe.parallelScoring(focus) ? Math.min(workers, n) : 1;
            if (threads <= 1) {
                for (int i = 0; i < n; i++) {
                    results[i] = score(current, candidates.get(i), subset, focus, fp32Outputs, deadlineNanos);
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
                            RankEntry e = score(current, c, subset, focus, fp32Outputs, deadlineNanos);
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
            Map<Integer, List<Tensor>> fp32Outputs, long deadlineNanos) {
        if (System.nanoTime() - deadlineNanos > 0) {
            throw new BudgetExceeded();
        }
        CandidateScore s = probe.score(reverter.revert(current, node.id()), subset, focus, fp32Outputs);
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
