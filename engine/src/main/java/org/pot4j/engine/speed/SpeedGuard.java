package org.pot4j.engine.speed;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.pot4j.api.ProgressListener;
import org.pot4j.api.model.QuantizableNode;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.engine.algorithms.accuracyaware.NodeReverter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Never slower than FP32: times the INT8 plan against FP32 at the user's batch sizes and, when it is
 * slower at any of them, keeps in FP32 the nodes whose integer kernels cost more than they save on
 * this CPU, measuring again after each change. Backend-neutral: it sees only the plan, the
 * {@link QuantizableNode}s and a {@link PlanTimer}.
 *
 * <p>Which nodes: the ones with the least arithmetic per output value first (weight elements per
 * output channel: 9 for a 3x3 depthwise conv, 27-147 for a first conv on 1-3 input channels, 576
 * for a 64-channel 3x3 conv), because their INT8 kernels save the least while paying the same
 * quantize/dequantize and layout costs. It reverts the 1, 2, 4, ... cheapest (each with its
 * quantizer group, as AccuracyAware does) until the plan is at least as fast as FP32 at every batch
 * size, then bisects back to the shortest such prefix. A slow verdict on the plan as given must hold
 * in two measurements (one can catch the INT8 runs descheduled on a loaded machine) before anything
 * is reverted. Of all layouts measured it keeps the one with
 * the best worst-batch speed-up, preferring fewer FP32 nodes when within {@link #NOISE} of it; the
 * original plan is kept untouched when it is already at least as fast as FP32. Every measurement is
 * in {@link Outcome#report()} (report.json's {@code speed_guard}).
 */
public final class SpeedGuard {
    private static final Logger LOG = LoggerFactory.getLogger(SpeedGuard.class);
    /** Speed-ups within this fraction of the best count as equal (interleaved medians on a shared CPU). */
    static final double NOISE = 0.03;

    private final List<QuantizableNode> nodes;
    private final PlanTimer timer;
    private final int maxMeasurements;
    private final ProgressListener progress;

    /**
     * @param nodes           the model's quantizable nodes, topological order
     * @param timer           how plans are timed against FP32
     * @param maxMeasurements most plans timed (the first, unchanged one included)
     * @param progress        progress events
     */
    public SpeedGuard(List<QuantizableNode> nodes, PlanTimer timer, int maxMeasurements, ProgressListener progress) {
        this.nodes = List.copyOf(nodes);
        this.timer = Objects.requireNonNull(timer, "timer");
        this.maxMeasurements = Math.max(1, maxMeasurements);
        this.progress = progress == null ? ProgressListener.NONE : progress;
    }

    /**
     * The guard's decision.
     *
     * @param plan     the plan to save (the input plan, or it with {@code keptFp32} reverted)
     * @param keptFp32 nodes the guard kept in FP32, cheapest first
     * @param report   what it measured and decided, for report.json
     */
    public record Outcome(QuantizationPlan plan, List<String> keptFp32, Map<String, Object> report) {
    }

    /** One measured layout. */
    private record Step(int reverted, QuantizationPlan plan, List<PlanTimer.Timing> timings) {
        double worst() {
            return timings.stream().mapToDouble(PlanTimer.Timing::speedup).min().orElse(0);
        }

        boolean fastEnough() {
            return worst() >= 1.0;
        }
    }

    /** Runs the guard on {@code plan}. */
    public Outcome run(QuantizationPlan plan) {
        String stage = "speed_guard";
        progress.stageStarted(stage, maxMeasurements);
        try {
            return search(plan, stage);
        } finally {
            progress.stageFinished(stage);
        }
    }

    private Outcome search(QuantizationPlan plan, String stage) {
        NodeReverter reverter = new NodeReverter(nodes);
        List<QuantizableNode> candidates = candidates(plan, reverter);
        List<Step> steps = new ArrayList<>();
        Step first = measure(plan, 0, steps, stage);
        if (!first.fastEnough() && steps.size() < maxMeasurements) {
            // a slow verdict changes the model, so it must hold twice: on a loaded machine one
            // measurement can catch the INT8 runs descheduled; each batch keeps its better speed-up
            Step again = measure(plan, 0, steps, stage);
            first = new Step(0, plan, better(first.timings(), again.timings()));
        }
        if (first.fastEnough() || candidates.isEmpty()) {
            String status = first.fastEnough() ? "int8_at_least_as_fast" : "slower_nothing_to_revert";
            return outcome(plan, first, candidates, steps, status);
        }
        int failing = 0;
        Integer passing = null;
        for (int k = 1; steps.size() < maxMeasurements; k = Math.min(k * 2, candidates.size())) {
            Step s = measure(prefix(plan, candidates, k, reverter), k, steps, stage);
            if (s.fastEnough()) {
                passing = k;
                break;
            }
            failing = k;
            if (k == candidates.size()) {
                break;
            }
        }
        while (passing != null && passing - failing > 1 && steps.size() < maxMeasurements) {
            int mid = (failing + passing) / 2;
            if (measure(prefix(plan, candidates, mid, reverter), mid, steps, stage).fastEnough()) {
                passing = mid;
            } else {
                failing = mid;
            }
        }
        List<Step> layouts = new ArrayList<>(steps.stream().filter(s -> s.reverted() > 0).toList());
        layouts.add(first);
        Step best = layouts.stream().max(Comparator.comparingDouble(Step::worst)).orElseThrow();
        Step chosen = layouts.stream().filter(s -> s.worst() >= best.worst() * (1 - NOISE))
                .min(Comparator.comparingInt(Step::reverted)).orElse(best);
        String status = chosen.fastEnough() ? (chosen.reverted() == 0 ? "int8_at_least_as_fast" : "reverted")
                : "still_slower";
        return outcome(plan, chosen, candidates, steps, status);
    }

    private Step measure(QuantizationPlan plan, int reverted, List<Step> steps, String stage) {
        Step s = new Step(reverted, plan, timer.time(plan));
        steps.add(s);
        progress.progress(stage, steps.size(), maxMeasurements);
        LOG.info("speed_guard: {} node(s) in FP32: {}", reverted, describe(s.timings()));
        return s;
    }

    /** Per batch size, the timing with the larger speed-up of two measurements of one plan. */
    private static List<PlanTimer.Timing> better(List<PlanTimer.Timing> a, List<PlanTimer.Timing> b) {
        List<PlanTimer.Timing> out = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
            out.add(i < b.size() && b.get(i).speedup() > a.get(i).speedup() ? b.get(i) : a.get(i));
        }
        return out;
    }

    /** The quantized weighted nodes of {@code plan}, least work per output value first (topological order on ties). */
    static List<QuantizableNode> candidates(QuantizationPlan plan, NodeReverter reverter) {
        List<QuantizableNode> out = new ArrayList<>();
        for (QuantizableNode n : reverter.quantized(plan)) {
            if (n.hasWeight() && plan.weights().containsKey(n.id())) {
                out.add(n);
            }
        }
        out.sort(Comparator.comparingLong(SpeedGuard::workPerOutput));
        return out;
    }

    /** Weight elements per output channel: multiply-adds per output value. */
    static long workPerOutput(QuantizableNode n) {
        long[] s = n.weightShape();
        long total = 1;
        for (long d : s) {
            total *= Math.max(1, d);
        }
        int axis = n.weightChannelAxis();
        long channels = axis >= 0 && axis < s.length ? Math.max(1, s[axis]) : 1;
        return total / channels;
    }

    private static QuantizationPlan prefix(QuantizationPlan plan, List<QuantizableNode> candidates, int k,
                                           NodeReverter reverter) {
        QuantizationPlan p = plan;
        for (QuantizableNode n : candidates.subList(0, k)) {
            if (reverter.isQuantized(p, n)) {
                p = reverter.revert(p, n.id());
            }
        }
        return p;
    }

    private Outcome outcome(QuantizationPlan original, Step chosen, List<QuantizableNode> candidates, List<Step> steps,
                            String status) {
        // the reverted prefix plus the weightless nodes reverted with it (their quantizer groups)
        List<String> kept = nodes.stream().map(QuantizableNode::id)
                .filter(id -> chosen.plan().fp32Nodes().contains(id) && !original.fp32Nodes().contains(id)).toList();
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("status", status);
        report.put("kept_fp32", kept);
        report.put("speedup", speedups(chosen.timings()));
        List<Object> measured = new ArrayList<>();
        for (Step s : steps) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("fp32_candidates", s.reverted());
            if (s.reverted() > 0) {
                m.put("reverted", candidates.subList(0, s.reverted()).stream().map(QuantizableNode::id).toList());
            }
            List<Object> t = new ArrayList<>();
            for (PlanTimer.Timing x : s.timings()) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("batch", x.batch());
                row.put("fp32_ms", round(x.fp32Ms()));
                row.put("int8_ms", round(x.int8Ms()));
                row.put("speedup", round(x.speedup()));
                t.add(row);
            }
            m.put("timings", t);
            measured.add(m);
        }
        report.put("measurements", measured);
        LOG.info("speed_guard: {} ({} node(s) kept in FP32: {})", status, kept.size(), describe(chosen.timings()));
        QuantizationPlan plan = chosen.plan();
        if (!kept.isEmpty()) {
            plan = plan.toBuilder().metadata("speed_guard", kept.size() + " node(s) kept in FP32 for speed: "
                    + String.join(", ", kept)).build();
        }
        return new Outcome(plan, kept, report);
    }

    private static Map<String, Object> speedups(List<PlanTimer.Timing> timings) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (PlanTimer.Timing t : timings) {
            m.put("batch_" + t.batch(), round(t.speedup()));
        }
        return m;
    }

    private static String describe(List<PlanTimer.Timing> timings) {
        StringBuilder sb = new StringBuilder();
        for (PlanTimer.Timing t : timings) {
            sb.append(String.format(Locale.ROOT, "%sbatch %d: FP32 %.2f ms, INT8 %.2f ms (%.2fx)",
                    sb.length() == 0 ? "" : "; ", t.batch(), t.fp32Ms(), t.int8Ms(), t.speedup()));
        }
        return sb.toString();
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
