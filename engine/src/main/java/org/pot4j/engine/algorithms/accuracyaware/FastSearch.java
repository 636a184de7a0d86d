package org.pot4j.engine.algorithms.accuracyaware;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.pot4j.api.Tensor;
import org.pot4j.api.model.QuantizableNode;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.engine.algorithms.accuracyaware.SearchState.Evaluated;
import org.pot4j.engine.algorithms.accuracyaware.SearchState.IterationRecord;
import org.pot4j.engine.algorithms.accuracyaware.SearchState.RankingRecord;
import org.pot4j.engine.evaluation.EvaluationResult;

/**
 * {@code ranking: fast}, the default: the same goal as POT's procedure in a fraction of the
 * evaluations.
 *
 * <ol>
 * <li><b>Pre-rank, then confirm.</b> Every candidate is reverted alone and scored by the NMSE of the
 * model outputs to FP32 on a few samples of the ranking subset ({@link #preRankSamples}: an eighth
 * of it, 8-32), a continuous signal that separates candidates on far fewer samples than a metric
 * sum does; only the top {@code k} (8-16: enough to hold 90% of the NMSE reduction, or
 * {@code ranking_candidates}) are then scored exactly as POT does (revert alone, metric on the
 * whole subset), together with the current plan and the FP32 model, so each confirmed candidate's
 * score says which fraction of the subset's gap to FP32 its revert closes. (A two-pass estimate
 * from intermediate tensors, NMSE added per node, was tried first: on MiniLM it ranked the
 * attention products of the last layers first and missed {@code layer.0/output/dense}, which POT's
 * ranking puts first by far, because how much a node's error matters at the output is not in it.)</li>
 * <li><b>Prefix search.</b> Those fractions predict how many of the confirmed candidates, in
 * ranking order, must go to FP32 to meet {@code maximal_drop}; that prefix is evaluated on the
 * validation set. Missed: the prediction is rescaled by what the pass showed and a longer prefix
 * is tried; met: bisection between the longest missed and the shortest met prefix. So a drop far
 * above the target costs O(log n) passes, and a drop just above it one pass per node.</li>
 * <li><b>Put back.</b> Once the target is met, each reverted candidate whose predicted gain fits
 * in twice the slack left is quantized again, smallest gain first, if the target stays met, until
 * two tries in a row fail; so the final set can be smaller than POT's (MiniLM: 7 nodes, POT 9).</li>
 * <li><b>Lazy re-ranking.</b> A revert that does not lower the drop is kept (POT; with
 * {@code use_prev_if_drop_increase} one that raises it is rolled back and skipped until the plan
 * changes) and triggers a re-ranking as in POT, but a lazy one: only the leading remaining
 * candidates and the pre-rank's newcomers are scored exactly again (all top k when more than a
 * quarter of them is new).</li>
 * </ol>
 *
 * <p>Every plan it measures is keyed by its reverted candidates and stored in the checkpoint with
 * the rankings, so {@code resume} replays the search from the start plan without running the
 * model again and ends exactly as an uninterrupted run. {@code max_iter_num} bounds validation
 * passes, {@code max_time} the wall time, as in the exact mode.
 */
final class FastSearch {
    static final int MIN_CANDIDATES = 8;
    static final int MAX_CANDIDATES = 16;
    /** Share of the pre-rank's total NMSE reduction the confirmed candidates should hold. */
    static final double PROXY_MASS = 0.9;
    /** A predicted prefix at least this long is evaluated at once (then bisected); shorter ones node by node. */
    static final int JUMP = 3;
    /** A put-back is tried only when the candidate's predicted gain is at most this many times the slack. */
    static final double PUT_BACK_SLACK_FACTOR = 2.0;
    /**
     * Put-back stops after this many failures in a row: on MiniLM (per-token cosine, maximal_drop
     * 0.004) the last four tries all failed, a pass each, after three of the first four had succeeded.
     */
    static final int PUT_BACK_FAILURES = 2;
    /** Put-back also stops after this many tries in a row that the screen predicts to miss the target. */
    static final int PUT_BACK_SCREENED_OUT = 4;

    private final AccuracyAwareSearch s;
    private final AccuracyAwareParams params;
    private final Map<String, Evaluated> memo = new HashMap<>();
    private final Deque<RankingRecord> replay = new ArrayDeque<>();
    /** Predicted gain (in drop units) of each reverted candidate, from the ranking that chose it. */
    private final Map<String, Double> gains = new HashMap<>();
    private final Map<String, Double> fp32Scores = new HashMap<>();
    /**
     * Candidates whose revert did not lower the drop of the current plan: not tried again until
     * the plan changes (on the 3-bit ResNet a conv that did not help alone was needed later, with
     * the residual Add after it, so a permanent exclusion missed the target).
     */
    private final java.util.Set<String> skipped = new java.util.LinkedHashSet<>();
    /**
     * (subset score, drop) of plans measured both ways, and FP32 at (its subset score, 0): how a
     * screen on the ranking subset translates into a validation-set drop (piecewise linear).
     */
    private final List<double[]> anchors = new ArrayList<>();
    /** Screens whose cost this replay has counted. */
    private final java.util.Set<String> countedScreens = new java.util.HashSet<>();
    /** Single reverts are screened first (off after a re-ranking that screens emptied, until a revert is kept). */
    private boolean screenSingles = true;

    FastSearch(AccuracyAwareSearch search) {
        this.s = search;
        this.params = search.params;
    }

    /** A ranking of the current plan: confirmed entries first (by exact score), then the rest by pre-rank. */
    private static final class Ranking {
        final List<RankEntry> entries;
        final int confirmed;
        /** Per confirmed entry: fraction of the subset's gap to FP32 its revert closes (NaN = unknown). */
        final double[] fractions;
        /** The drop of the plan it ranked. */
        final double drop;
        /** Observed / predicted gain, updated by every pass. */
        double scale = 1.0;
        /** The walk over it: the entry tried next. */
        int pos;
        /** Whether the plan changed since it was made (a lazy re-ranking is then due sooner). */
        boolean planChanged;
        /** Whether a predicted prefix may be reverted at once (off once a prediction missed). */
        boolean jumps = true;

        Ranking(List<RankEntry> entries, int confirmed, double[] fractions, double drop) {
            this.entries = entries;
            this.confirmed = confirmed;
            this.fractions = fractions;
            this.drop = drop;
        }
    }

    /** A measured plan. */
    private record Outcome(QuantizationPlan plan, List<String> units, List<String> members, Map<String, Double> values,
            double objective, int historyIndex) {
    }

    void loop(SearchState st) {
        if (st.finished) {
            return;
        }
        startReplay(st);
        Ranking rk = null; // a new ranking starts its walk at its first entry, with jumps allowed
        while (true) {
            if (s.met(st.currentObjective)) {
                putBack(st);
                st.finished = true;
                st.stopReason = "maximal_drop met";
                break;
            }
            if (budgetExhausted(st)) {
                break;
            }
            try {
                if (rk == null || rk.pos >= rk.confirmed) {
                    rk = rank(st, null, 0);
                    if (rk.confirmed == 0) {
                        st.finished = true;
                        st.stopReason = "no quantized node left to revert";
                        break;
                    }
                }
            } catch (LayerRanker.BudgetExceeded e) {
                st.stopReason = "max_time (" + params.maxTimeSeconds() + " s) reached during ranking";
                break;
            }
            int avail = rk.confirmed - rk.pos;
            int m = rk.jumps ? predict(rk, rk.pos, 0, st.currentObjective, avail) : 1;
            double before = st.currentObjective;
            if (m >= JUMP) {
                // far from the target: revert the predicted prefix at once, bisect down when it meets it
                Outcome o = evaluate(st, prefixUnits(st, rk, rk.pos, m), rk.entries.get(rk.pos + m - 1));
                if (s.met(o.objective)) {
                    commit(st, bisect(st, rk, rk.pos, m, o, before), rk, rk.pos);
                } else if (o.objective < before) {
                    rescale(rk, rk.pos, m, before, o.objective);
                    commit(st, o, rk, rk.pos);
                    rk.pos += m;
                    rk.planChanged = true;
                } else {
                    rk.jumps = false; // the prediction is off for this plan: one node at a time
                }
                s.save(st);
                continue;
            }
            // near the target: one node at a time (POT's step), screened on the ranking subset first
            RankEntry next = rk.entries.get(rk.pos);
            if (params.screenSingleReverts() && screenSingles && rk.planChanged) {
                // screen_single_reverts (off by default): it cut MiniLM (per-token cosine 0.996) to 7 nodes in 7
                // passes and the 4-bit ResNet to 2 nodes in 2, but on 500 MNIST samples with maximal_drop 0.002 it
                // ended with 8 nodes (POT 6) or, screening only right after a revert, missed the target in 10 passes
                double current = screen(st, st.revertedUnits);
                double candidate = screen(st, prefixUnits(st, rk, rk.pos, 1));
                if (candidate <= current) {
                    // no better on the ranking subset: skipped without a validation pass until the plan changes
                    skipped.addAll(next.group());
                    rk.pos++;
                    s.message(next.node() + " screened out: its revert does not improve the ranking subset");
                    if (rk.planChanged) {
                        // the plan moved since this ranking (a revert can make new nodes matter: the residual
                        // Add after a reverted conv on the 4-bit ResNet): re-rank lazily, as POT re-ranks
                        rk = rerank(st, rk, rk.pos);
                        if (rk == null) {
                            break;
                        }
                    } else if (rk.pos >= rk.confirmed) {
                        screenSingles = false; // the re-ranking's leaders are validated, as POT would
                    }
                    continue;
                }
            }
            Outcome o = evaluate(st, prefixUnits(st, rk, rk.pos, 1), next);
            if (screenSingles) {
                anchor(screen(st, o.units), o.objective);
            }
            if (o.objective < before) {
                rescale(rk, rk.pos, 1, before, o.objective);
                commit(st, o, rk, rk.pos);
                gains.put(next.node(), before - o.objective); // measured: better than the prediction
                rk.pos++;
                rk.planChanged = true;
            } else if (!params.usePrevIfDropIncrease() || o.objective <= before) {
                // POT keeps a revert that does not help (use_prev_if_drop_increase false) and re-ranks:
                // on the 3-bit ResNet such a node was needed later with the residual Add after it;
                // put-back removes it at the end if the target holds without it
                commit(st, o, rk, rk.pos);
                gains.put(next.node(), before - o.objective); // <= 0: the first one put-back tries
                rk.pos++;
                s.message(next.node() + " did not lower the drop: kept (use_prev_if_drop_increase false), re-ranking");
                rk = rerank(st, rk, rk.pos);
                if (rk == null) {
                    break;
                }
            } else {
                // use_prev_if_drop_increase: rolled back, not tried again until the plan changes
                skipped.addAll(next.group());
                st.excluded.addAll(next.group());
                mark(st, o, "rolled_back");
                rk.pos++;
                s.message(next.node() + " raised the drop: rolled back");
                if (rk.planChanged && rk.pos < rk.confirmed) {
                    rk = rerank(st, rk, rk.pos);
                    if (rk == null) {
                        break;
                    }
                }
            }
            s.save(st);
        }
        s.save(st);
    }

    /**
     * The shortest prefix in [1, hi) that meets the target; {@code met} is prefix {@code hi}. Prefixes
     * are bisected on screens (the ranking subset, a fraction of a pass each); only the shortest one
     * predicted to meet the target is validated, and a miss narrows the range and adds an anchor.
     */
    private Outcome bisect(SearchState st, Ranking rk, int pos, int hi, Outcome met, double start) {
        anchor(screen(st, met.units), met.objective);
        int lo = 0;
        Outcome best = met;
        while (hi - lo > 1 && !budgetExhaustedQuietly(st)) {
            int a = lo;
            int b = hi;
            while (b - a > 1) {
                int m = (a + b) / 2;
                double predicted = predictDrop(screen(st, prefixUnits(st, rk, pos, m)));
                if (Double.isFinite(predicted) && predicted <= params.maximalDrop()) {
                    b = m;
                } else {
                    a = m;
                }
            }
            if (b >= hi) {
                break; // nothing shorter is predicted to meet the target
            }
            Outcome o = evaluate(st, prefixUnits(st, rk, pos, b), rk.entries.get(pos + b - 1));
            anchor(screen(st, o.units), o.objective);
            if (s.met(o.objective)) {
                hi = b;
                best = o;
            } else {
                lo = b;
                rescale(rk, pos, b, start, o.objective);
            }
        }
        return best;
    }

    /**
     * The subset score (focus metric, oriented: higher is better) of the start plan with {@code units}
     * reverted: a ranking-subset run instead of a validation pass. Stored in the checkpoint.
     */
    private double screen(SearchState st, List<String> units) {
        ControlledMetric focus = s.focus(st);
        String key = focus.name() + "|" + String.join("\n", units);
        double[] stored = st.screens.get(key);
        if (stored == null) {
            long t0 = System.nanoTime();
            Map<Integer, List<Tensor>> reference = s.fp32SubsetOutputs(st);
            double score = s.ranker.score(planFor(st, units), st.rankingSubset, focus, reference).score();
            stored = new double[] {score, (System.nanoTime() - t0) / 1e9};
            st.screens.put(key, stored);
        }
        if (countedScreens.add(key)) {
            st.screenSampleRuns += st.rankingSubset.length;
            st.screenSeconds += stored[1];
        }
        return stored[0];
    }

    private QuantizationPlan planFor(SearchState st, List<String> units) {
        QuantizationPlan plan = st.startPlan;
        for (String u : units) {
            QuantizableNode n = s.reverter.node(u);
            if (n != null && s.reverter.isQuantized(plan, n)) {
                plan = s.reverter.revert(plan, u);
            }
        }
        return plan;
    }

    private void anchor(double score, double drop) {
        if (Double.isFinite(score) && Double.isFinite(drop)) {
            anchors.add(new double[] {score, drop});
        }
    }

    /**
     * The validation-set drop a subset score predicts: linear between the nearest anchors with a
     * better and a worse score (extrapolated from the two nearest on one side); NaN without two anchors.
     */
    double predictDrop(double score) {
        return predictDrop(anchors, score);
    }

    static double predictDrop(List<double[]> anchors, double score) {
        double[] above = null;
        double[] below = null;
        for (double[] a : anchors) {
            if (a[0] >= score && (above == null || a[0] < above[0])) {
                above = a;
            }
            if (a[0] <= score && (below == null || a[0] > below[0])) {
                below = a;
            }
        }
        if (above != null && below != null) {
            if (above[0] == below[0]) {
                return (above[1] + below[1]) / 2;
            }
            return below[1] + (score - below[0]) * (above[1] - below[1]) / (above[0] - below[0]);
        }
        // one side only: the two nearest anchors on that side
        double[] near = above != null ? above : below;
        if (near == null) {
            return Double.NaN;
        }
        double[] second = null;
        for (double[] a : anchors) {
            if (a != near && (above != null ? a[0] > near[0] : a[0] < near[0])
                    && (second == null || Math.abs(a[0] - near[0]) < Math.abs(second[0] - near[0]))) {
                second = a;
            }
        }
        if (second == null || second[0] == near[0]) {
            return Double.NaN;
        }
        return near[1] + (score - near[0]) * (second[1] - near[1]) / (second[0] - near[0]);
    }

    /** Resets the state to the start plan and queues the stored passes and rankings for replay. */
    private void startReplay(SearchState st) {
        memo.clear();
        st.evaluations.forEach(e -> memo.put(e.key(), e));
        replay.clear();
        replay.addAll(st.rankings);
        st.rankings = new ArrayList<>();
        st.history = new ArrayList<>();
        st.evaluations = new ArrayList<>();
        st.reverted = new ArrayList<>();
        st.revertedUnits = new ArrayList<>();
        st.excluded = new ArrayList<>();
        skipped.clear();
        st.iteration = 0;
        st.rankingSeconds = 0;
        st.rankingSampleRuns = 0;
        st.validationPasses = 0;
        st.validationSeconds = 0;
        st.searchPassTimes = new ArrayList<>();
        st.screenSampleRuns = 0;
        st.screenSeconds = 0;
        anchors.clear();
        countedScreens.clear();
        screenSingles = true;
        s.setCurrent(st, st.startPlan, st.startValues);
    }

    private boolean budgetExhausted(SearchState st) {
        if (st.iteration >= params.maxIterNum()) {
            st.stopReason = "max_iter_num (" + params.maxIterNum() + ") reached";
            return true;
        }
        if (s.timeUp()) {
            st.stopReason = "max_time (" + params.maxTimeSeconds() + " s) reached";
            return true;
        }
        return false;
    }

    /**
     * The shortest prefix length (more than {@code from}) whose predicted drop meets the target,
     * starting from a measured drop {@code dropAtFrom} at length {@code from}; one more entry when
     * none is predicted to meet it or there are no predictions (reverting many small gains at once
     * bought nothing on MiniLM: 9 nodes moved the drop from 0.0139 to 0.0132).
     */
    private int predict(Ranking rk, int pos, int from, double dropAtFrom, int avail) {
        double need = dropAtFrom - params.maximalDrop();
        double closed = 0;
        for (int m = from + 1; m <= avail; m++) {
            double f = rk.fractions[pos + m - 1];
            if (!Double.isFinite(f)) {
                return from + 1;
            }
            if (f > 0) {
                closed += f * rk.scale * rk.drop;
            }
            if (closed >= need) {
                return m;
            }
        }
        return from + 1; // out of reach with these candidates: one node at a time
    }

    /** Observed over predicted gain of the prefix [pos, pos+m) measured from {@code start}. */
    private static void rescale(Ranking rk, int pos, int m, double start, double measured) {
        double predicted = 0;
        for (int j = pos; j < pos + m; j++) {
            double f = rk.fractions[j];
            if (!Double.isFinite(f)) {
                return;
            }
            predicted += Math.max(0, f) * rk.drop;
        }
        if (predicted > 0) {
            rk.scale = Math.max(0.05, Math.min(2.0, (start - measured) / predicted));
        }
    }

    private static List<String> prefixUnits(SearchState st, Ranking rk, int pos, int m) {
        List<String> units = new ArrayList<>(st.revertedUnits);
        for (int j = pos; j < pos + m; j++) {
            units.add(rk.entries.get(j).node());
        }
        return units;
    }

    /** Adopts a measured plan; remembers the predicted gains of the newly reverted candidates. */
    private void commit(SearchState st, Outcome o, Ranking rk, int pos) {
        for (int j = pos; rk != null && j < rk.confirmed; j++) {
            RankEntry e = rk.entries.get(j);
            if (o.units.contains(e.node()) && !st.revertedUnits.contains(e.node())) {
                double f = rk.fractions[j];
                gains.put(e.node(), Double.isFinite(f) ? Math.max(0, f) * rk.scale * rk.drop : Double.NaN);
            }
        }
        s.setCurrent(st, o.plan, o.values);
        st.reverted = new ArrayList<>(o.members);
        st.revertedUnits = new ArrayList<>(o.units);
        skipped.clear();
        screenSingles = true;
        mark(st, o, "reverted");
        if (st.currentObjective < st.bestObjective
                || (st.currentObjective == st.bestObjective && st.reverted.size() < st.bestReverted.size())
                || (s.met(st.currentObjective) && st.reverted.size() < st.bestReverted.size())) {
            AccuracyAwareSearch.setBest(st, st.iteration);
        }
        s.message("kept " + st.reverted.size() + " nodes in FP32, drop " + AccuracyAwareSearch.fmt(st.currentObjective));
    }

    /** Quantizes reverted candidates again, smallest predicted gain first, while the target stays met. */
    private void putBack(SearchState st) {
        if (st.revertedUnits.size() <= 1) {
            return;
        }
        List<String> order = new ArrayList<>(st.revertedUnits);
        Map<String, Integer> revertOrder = new HashMap<>();
        for (int i = 0; i < order.size(); i++) {
            revertOrder.put(order.get(i), i);
        }
        order.sort(Comparator.<String>comparingDouble(u -> {
            Double g = gains.get(u);
            return g == null || g.isNaN() ? 0 : g;
        }).thenComparing(u -> -revertOrder.get(u)));
        int failures = 0;
        int screenedOut = 0;
        anchor(screen(st, st.revertedUnits), st.currentObjective);
        for (String unit : order) {
            if (st.revertedUnits.size() <= 1 || failures >= PUT_BACK_FAILURES || screenedOut >= PUT_BACK_SCREENED_OUT
                    || budgetExhaustedQuietly(st)) {
                break;
            }
            Double g = gains.get(unit);
            double slack = params.maximalDrop() - st.currentObjective;
            if (g != null && Double.isFinite(g) && g > PUT_BACK_SLACK_FACTOR * Math.max(slack, 0)) {
                continue;
            }
            List<String> units = new ArrayList<>(st.revertedUnits);
            units.remove(unit);
            double predicted = predictDrop(screen(st, units));
            if (Double.isFinite(predicted) && predicted > params.maximalDrop()) {
                screenedOut++;
                s.message(String.format(Locale.ROOT, "put back %s screened out: predicted drop %s on the ranking subset",
                        unit, AccuracyAwareSearch.fmt(predicted)));
                continue;
            }
            screenedOut = 0;
            QuantizableNode qn = s.reverter.node(unit);
            Outcome o = evaluate(st, units, null, unit, qn == null ? "" : qn.opType(), "put back " + unit);
            anchor(screen(st, units), o.objective);
            if (s.met(o.objective)) {
                s.setCurrent(st, o.plan, o.values);
                st.reverted = new ArrayList<>(o.members);
                st.revertedUnits = new ArrayList<>(o.units);
                mark(st, o, "put_back");
                failures = 0;
                AccuracyAwareSearch.setBest(st, st.iteration);
                s.message("put back " + unit + ": target still met with " + st.reverted.size() + " nodes in FP32");
            } else {
                mark(st, o, "needed");
                failures++;
            }
            s.save(st);
        }
    }

    private boolean budgetExhaustedQuietly(SearchState st) {
        return st.iteration >= params.maxIterNum() || s.timeUp();
    }

    private Outcome evaluate(SearchState st, List<String> units, RankEntry last) {
        QuantizableNode qn = s.reverter.node(last.node());
        return evaluate(st, units, last, last.node(), qn == null ? "" : qn.opType(), null);
    }

    /** One validation pass (or its stored result on replay) of the start plan with {@code units} reverted. */
    private Outcome evaluate(SearchState st, List<String> units, RankEntry last, String node, String opType, String note) {
        QuantizationPlan plan = st.startPlan;
        List<String> members = new ArrayList<>();
        for (String u : units) {
            QuantizableNode n = s.reverter.node(u);
            if (n == null || !s.reverter.isQuantized(plan, n)) {
                continue;
            }
            s.reverter.group(plan, u).forEach(g -> members.add(g.id()));
            plan = s.reverter.revert(plan, u);
        }
        String key = String.join("\n", units);
        st.iteration++;
        Evaluated e = memo.get(key);
        if (e == null) {
            EvaluationResult r = s.probe.evaluate(plan, null, false, false, null, "evaluate int8 (iteration " + st.iteration + ")");
            e = new Evaluated(key, s.values(st, r), r.seconds());
        }
        st.evaluations.add(e);
        st.validationPasses++;
        st.validationSeconds += e.seconds();
        st.searchPassTimes.add(e.seconds());
        Map<String, Double> drops = s.drops(st, e.values());
        double objective = AccuracyAwareSearch.objective(drops);
        List<String> changed = new ArrayList<>();
        for (String m : members) {
            if (!st.reverted.contains(m)) {
                changed.add(m);
            }
        }
        for (String m : st.reverted) {
            if (!members.contains(m)) {
                changed.add(m);
            }
        }
        boolean reranked = !st.rankings.isEmpty() && st.rankings.get(st.rankings.size() - 1).beforeIteration() == st.iteration;
        st.history.add(new IterationRecord(st.iteration, node, opType, "tried", e.values(), drops, objective,
                objective < st.currentObjective, reranked, members.size(), e.seconds(), changed.isEmpty() ? List.of(node) : changed));
        s.message(String.format(Locale.ROOT, "iteration %d: %s -> %s, drop %s (%d nodes in FP32)", st.iteration,
                note != null ? note : "revert " + (units.size() - st.revertedUnits.size()) + " more up to " + node,
                AccuracyAwareSearch.format(e.values()), AccuracyAwareSearch.fmt(objective), members.size()));
        return new Outcome(plan, List.copyOf(units), List.copyOf(members), e.values(), objective, st.history.size() - 1);
    }

    private static void mark(SearchState st, Outcome o, String action) {
        IterationRecord r = st.history.get(o.historyIndex);
        st.history.set(o.historyIndex, new IterationRecord(r.iteration(), r.node(), r.opType(), action, r.values(), r.drops(),
                r.drop(), r.improved(), r.reranked(), r.revertedCount(), r.seconds(), r.group()));
    }

    /** {@link #rank} after a revert, or null with the stop reason set when {@code max_time} runs out. */
    private Ranking rerank(SearchState st, Ranking prev, int pos) {
        try {
            return rank(st, prev, pos);
        } catch (LayerRanker.BudgetExceeded e) {
            st.stopReason = "max_time (" + params.maxTimeSeconds() + " s) reached during re-ranking";
            return null;
        }
    }

    /**
     * Pre-rank over every candidate, exact scores for the top k (or the stored ranking on replay). With
     * {@code prev} (a lazy re-ranking after a revert that did not help): only the leading remaining
     * candidates of {@code prev} from {@code pos} (half of k) and the pre-rank's newcomers to its top k
     * are scored exactly, unless more than a quarter of that top k is new (order changed materially).
     */
    private Ranking rank(SearchState st, Ranking prev, int pos) {
        String kind = prev == null ? "fast" : "lazy";
        String key = String.join("\n", st.revertedUnits) + "|" + String.join("\n", skipped);
        RankingRecord rec = replay.peekFirst();
        if (rec != null && key.equals(rec.planKey()) && kind.equals(rec.kind())) {
            replay.pollFirst();
            rec = new RankingRecord(st.iteration + 1, rec.focus(), rec.basis(), rec.seconds(), rec.entries(), rec.kind(), rec.planKey(),
                    rec.confirmed(), rec.sampleRuns(), rec.currentScore(), rec.fp32Score());
        } else {
            replay.clear(); // the path diverged (it should not): measure from here on
            rec = measureRanking(st, key, prev, pos);
        }
        st.rankings.add(rec);
        st.rankingSeconds += rec.seconds();
        st.rankingSampleRuns += rec.sampleRuns();
        if (rec.currentScore() != null) {
            // the ranking measured the current plan and FP32 on the subset: two anchors for free
            anchor(rec.currentScore(), st.currentObjective);
            String screenKey = rec.focus() + "|" + String.join("\n", st.revertedUnits);
            st.screens.putIfAbsent(screenKey, new double[] {rec.currentScore(), 0});
            countedScreens.add(screenKey);
            // and every confirmed candidate reverted alone: the screens of the next single reverts
            for (int j = 0; j < rec.confirmed(); j++) {
                RankEntry e = rec.entries().get(j);
                if (Double.isFinite(e.score())) {
                    String k = screenKey + (st.revertedUnits.isEmpty() ? "" : "\n") + e.node();
                    st.screens.putIfAbsent(k, new double[] {e.score(), 0});
                    countedScreens.add(k);
                }
            }
        }
        if (rec.fp32Score() != null) {
            anchor(rec.fp32Score(), 0);
        }
        return ranking(rec, st.currentObjective);
    }

    private RankingRecord measureRanking(SearchState st, String key, Ranking prev, int pos) {
        long t0 = System.nanoTime();
        ControlledMetric focus = s.focus(st);
        List<QuantizableNode> candidates = new ArrayList<>();
        for (QuantizableNode n : s.reverter.quantized(st.plan)) {
            boolean excluded = s.reverter.group(st.plan, n.id()).stream().anyMatch(m -> skipped.contains(m.id()));
            if (!excluded && s.reverter.revertChangesNumerics(st.plan, n.id())) {
                candidates.add(n);
            }
        }
        String basis = focus.perSample() ? "metric" : "nmse";
        String kind = prev == null ? "fast" : "lazy";
        if (candidates.isEmpty()) {
            return new RankingRecord(st.iteration + 1, focus.name(), basis, 0, List.of(), kind, key, 0, 0, null, null);
        }
        int[] subset = st.rankingSubset;
        double runs = 0;
        // one session for the pre-rank and the confirm step: suffixes, captured tensors and compiled candidates
        // are prepared once (the pre-rank's samples are some of the subset's) and closed when the ranking ends
        try (RankingSession session = s.ranker.open(st.plan, Math.max(MAX_CANDIDATES, params.rankingCandidates()), focus)) {
            Map<String, Double> px = null;
            if (params.rankingCandidates() > 0 ? candidates.size() > params.rankingCandidates() : candidates.size() > MIN_CANDIDATES) {
                double before0 = st.rankingSampleRuns;
                Map<Integer, List<Tensor>> ref0 = s.fp32SubsetOutputs(st);
                runs += st.rankingSampleRuns - before0;
                st.rankingSampleRuns = before0;
                int[] few = preRankSamples(subset);
                px = preRank(st, session, candidates, few, ref0);
                runs += s.ranker.lastSampleRuns() + few.length;
            }
            Map<String, Double> proxyScores = px;
            List<QuantizableNode> order = new ArrayList<>(candidates);
            if (px != null) {
                order.sort(Comparator.<QuantizableNode>comparingDouble(n -> {
                    double v = proxyScores.get(n.id());
                    return Double.isNaN(v) ? Double.NEGATIVE_INFINITY : -v;
                }).thenComparingInt(n -> s.reverter.position(n.id())));
            }
            int k = candidateCount(order, px);
            List<QuantizableNode> confirm = new ArrayList<>(order.subList(0, k));
            if (prev != null && px != null) {
                List<String> leading = new ArrayList<>();
                for (int j = pos; j < prev.confirmed && leading.size() < (k + 1) / 2; j++) {
                    String id = prev.entries.get(j).node();
                    if (candidates.stream().anyMatch(c -> c.id().equals(id))) {
                        leading.add(id);
                    }
                }
                List<QuantizableNode> newcomers = new ArrayList<>();
                for (QuantizableNode c : confirm) {
                    boolean known = false;
                    for (int j = 0; j < prev.entries.size() && j < prev.confirmed; j++) {
                        known |= prev.entries.get(j).node().equals(c.id());
                    }
                    if (!known) {
                        newcomers.add(c);
                    }
                }
                if (newcomers.size() * 4 <= k) {
                    List<QuantizableNode> lazy = new ArrayList<>(newcomers);
                    for (QuantizableNode c : candidates) {
                        if (leading.contains(c.id()) && !lazy.contains(c)) {
                            lazy.add(c);
                        }
                    }
                    if (!lazy.isEmpty()) {
                        confirm = lazy;
                    }
                }
            }
            double before = st.rankingSampleRuns;
            Map<Integer, List<Tensor>> reference = s.fp32SubsetOutputs(st);
            runs += st.rankingSampleRuns - before; // the first ranking of a session computes the FP32 reference
            st.rankingSampleRuns = before;
            int kk = confirm.size();
            String stage = "rank " + kk + " of " + candidates.size() + " layers (before iteration " + (st.iteration + 1) + ")";
            session.retainOnly(confirm.stream().map(QuantizableNode::id).collect(java.util.stream.Collectors.toSet()));
            List<RankEntry> exact = s.ranker.rank(session, confirm, subset, focus, reference, stage, s.deadline);
            runs += s.ranker.lastSampleRuns();
            boolean seeded = focus.name().equals(st.subsetScoreFocus);
            double current;
            if (seeded && st.startSubsetScore != null && st.revertedUnits.isEmpty()) {
                current = st.startSubsetScore;
            } else {
                current = s.ranker.scoreCurrent(session, subset, focus, reference).score();
                runs += subset.length;
            }
            Double fp32 = seeded ? st.fp32SubsetScore : fp32Scores.get(focus.name());
            if (fp32 == null) {
                if (focus.perSample()) {
                    fp32 = s.ranker.score(QuantizationPlan.EMPTY, subset, focus, reference).score();
                    runs += subset.length;
                } else {
                    fp32 = 0.0; // minus the NMSE of FP32 to itself
                }
                fp32Scores.put(focus.name(), fp32);
            }
            List<RankEntry> entries = new ArrayList<>();
            for (RankEntry e : exact) {
                entries.add(e.withProxy(px == null ? null : px.get(e.node())));
            }
            for (QuantizableNode n : order) {
                if (!confirm.contains(n)) {
                    List<String> group = s.reverter.group(st.plan, n.id()).stream().map(QuantizableNode::id).toList();
                    entries.add(new RankEntry(n.id(), n.opType(), Double.NaN, Double.NaN, Double.NaN, group, px.get(n.id())));
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            List<String> top = exact.stream().limit(5).map(RankEntry::node).toList();
            s.message((prev == null ? "ranked " : "re-ranked (lazily) ") + candidates.size() + " nodes by output NMSE"
                    + (px == null ? "" : " on " + preRankSamples(subset).length + " samples") + ", then " + kk + " by " + (focus.perSample() ? focus.name() : "NMSE to FP32") + ": " + top
                    + (kk > 5 ? "..." : ""));
            return new RankingRecord(st.iteration + 1, focus.name(), basis, seconds, entries, kind, key, kk, runs, current, fp32);
        }
    }

    /** The pre-rank's samples: an eighth of the ranking subset, at least 8 and at most 32, evenly spread. */
    static int[] preRankSamples(int[] subset) {
        int p = Math.min(subset.length, Math.max(8, Math.min(32, subset.length / 8)));
        int[] pick = RankingSubset.evenlySpaced(subset.length, p);
        int[] out = new int[pick.length];
        for (int i = 0; i < pick.length; i++) {
            out[i] = subset[pick[i]];
        }
        return out;
    }

    /** Per candidate: how much reverting it alone lowers the mean NMSE of the outputs to FP32 on {@code few}. */
    private Map<String, Double> preRank(SearchState st, RankingSession session, List<QuantizableNode> candidates, int[] few,
            Map<Integer, List<Tensor>> reference) {
        ControlledMetric nmse = new ControlledMetric("nmse to fp32", "nmse", -1, false, false, 0, "pre-rank", null, 0);
        String stage = "pre-rank " + candidates.size() + " layers on " + few.length + " samples (before iteration "
                + (st.iteration + 1) + ")";
        List<RankEntry> pre = s.ranker.rank(session, candidates, few, nmse, reference, stage, s.deadline);
        double current = s.ranker.scoreCurrent(session, few, nmse, reference).nmse();
        Map<String, Double> gain = new LinkedHashMap<>();
        for (RankEntry e : pre) {
            gain.put(e.node(), Double.isNaN(e.nmse()) ? Double.NaN : current - e.nmse());
        }
        return gain;
    }

    /** ranking_candidates, else the fewest that hold PROXY_MASS of the pre-rank's NMSE reduction, within 8-16. */
    private int candidateCount(List<QuantizableNode> order, Map<String, Double> px) {
        int n = order.size();
        if (params.rankingCandidates() > 0) {
            return Math.min(n, params.rankingCandidates());
        }
        if (px == null) {
            return n;
        }
        double total = 0;
        int unknown = 0;
        for (QuantizableNode q : order) {
            double v = px.get(q.id());
            if (Double.isNaN(v)) {
                unknown++;
            } else {
                total += Math.max(0, v);
            }
        }
        int count = unknown;
        double cum = 0;
        for (int i = unknown; i < n && total > 0 && cum < PROXY_MASS * total; i++) {
            cum += Math.max(0, px.get(order.get(i).id()));
            count++;
        }
        return Math.min(n, Math.max(MIN_CANDIDATES, Math.min(MAX_CANDIDATES, count)));
    }

    private static Ranking ranking(RankingRecord rec, double drop) {
        double[] fractions = new double[rec.confirmed()];
        double gap = rec.fp32Score() == null || rec.currentScore() == null ? Double.NaN : rec.fp32Score() - rec.currentScore();
        for (int j = 0; j < rec.confirmed(); j++) {
            double score = rec.entries().get(j).score();
            fractions[j] = gap > 0 && Double.isFinite(score) ? (score - rec.currentScore()) / gap : Double.NaN;
        }
        return new Ranking(rec.entries(), rec.confirmed(), fractions, drop);
    }
}
