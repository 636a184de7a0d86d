package org.pot4j.engine.speed;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Sample;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.Model;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.engine.data.Batches;

/**
 * Times a plan against FP32 through the backend SPI only ({@link Model#compile}, then
 * {@link CompiledModel#infer}), so the speed guard works on any backend whose compiled plan is what
 * it saves. The FP32 model is compiled once; each call compiles the plan, and for every batch size
 * runs both models warm-up rounds, then timed rounds in alternating order (FP32 INT8, INT8 FP32,
 * ...), so both see the same machine load; it returns the medians, and as the speed-up the median
 * of the per-round FP32/INT8 ratios. Inputs are real samples (cycled when a batch needs more).
 */
public final class InterleavedPlanTimer implements PlanTimer, AutoCloseable {
    private final Model model;
    private final List<Integer> batchSizes;
    private final int warmup;
    private final int rounds;
    private final List<Map<String, Tensor>> batches = new ArrayList<>();
    private CompiledModel fp32;

    /**
     * @param model      the FP32 model, compiled with each plan
     * @param samples    input samples (at least one)
     * @param batchSizes batch sizes to time
     * @param warmup     untimed rounds per batch size
     * @param rounds     timed rounds per batch size (each runs both models once)
     */
    public InterleavedPlanTimer(Model model, List<Sample> samples, List<Integer> batchSizes, int warmup, int rounds) {
        if (samples.isEmpty() || batchSizes.isEmpty() || rounds < 1 || warmup < 0) {
            throw new IllegalArgumentException("need samples, batch sizes, rounds >= 1 and warmup >= 0");
        }
        this.model = model;
        this.batchSizes = List.copyOf(batchSizes);
        this.warmup = warmup;
        this.rounds = rounds;
        for (int b : batchSizes) {
            List<Sample> batch = new ArrayList<>();
            for (int i = 0; i < b; i++) {
                batch.add(samples.get(i % samples.size()));
            }
            batches.add(Batches.stack(batch, model.inputs()));
        }
    }

    @Override
    public List<Timing> time(QuantizationPlan plan) {
        if (fp32 == null) {
            fp32 = model.compile(QuantizationPlan.EMPTY, Set.of());
        }
        List<Timing> out = new ArrayList<>();
        try (CompiledModel int8 = model.compile(plan, Set.of())) {
            for (int i = 0; i < batchSizes.size(); i++) {
                Map<String, Tensor> in = batches.get(i);
                for (int w = 0; w < warmup; w++) {
                    fp32.infer(in);
                    int8.infer(in);
                }
                long[] a = new long[rounds];
                long[] b = new long[rounds];
                for (int r = 0; r < rounds; r++) {
                    if (r % 2 == 0) {
                        a[r] = nanos(fp32, in);
                        b[r] = nanos(int8, in);
                    } else {
                        b[r] = nanos(int8, in);
                        a[r] = nanos(fp32, in);
                    }
                }
                double[] ratios = new double[rounds];
                for (int r = 0; r < rounds; r++) {
                    ratios[r] = (double) a[r] / Math.max(1, b[r]);
                }
                Arrays.sort(ratios);
                double paired = rounds % 2 == 1 ? ratios[rounds / 2] : (ratios[rounds / 2 - 1] + ratios[rounds / 2]) / 2;
                out.add(new Timing(batchSizes.get(i), median(a) / 1e6, median(b) / 1e6, paired));
            }
        }
        return out;
    }

    private static long nanos(CompiledModel m, Map<String, Tensor> in) {
        long start = System.nanoTime();
        m.infer(in);
        return System.nanoTime() - start;
    }

    private static double median(long[] v) {
        long[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0;
    }

    @Override
    public void close() {
        if (fp32 != null) {
            fp32.close();
            fp32 = null;
        }
    }
}
