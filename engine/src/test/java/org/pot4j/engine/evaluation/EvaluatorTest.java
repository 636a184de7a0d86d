package org.pot4j.engine.evaluation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;
import java.util.concurrent.atomic.AtomicInteger;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.ProgressListener;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.data.Sample;
import org.pot4j.api.metric.Metric;
import org.pot4j.api.metric.ValidationFunction;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.Model;
import org.pot4j.api.quant.ActivationQuantizer;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.engine.algorithms.accuracyaware.DelegatingModel;
import org.pot4j.engine.testing.DelegatingCompiledModel;
import org.pot4j.engine.testing.JavaMlpModel;
import org.junit.jupiter.api.Test;

class EvaluatorTest {
    private static final int N = 103; // not a multiple of the batch size

    private final JavaMlpModel model = JavaMlpModel.mlp(3, 8, 16, 4);
    private final Dataset data = dataset(N, 8, 4, 5);
    private final QuantizationPlan coarse = QuantizationPlan.builder()
            .activation("relu1", new ActivationQuantizer(3, false, 0.4f, 0)).build();

    @Test
    void perSampleValuesAndAggregateDoNotDependOnTheNumberOfWorkers() {
        List<Supplier<Metric>> metrics = List.of(Top1::new, Logit0::new);
        EvaluationResult one = new Evaluator(ProgressListener.NONE, 1).evaluate(model,
                EvaluationRequest.of(coarse, data, metrics, "seq"));
        EvaluationResult four = new Evaluator(ProgressListener.NONE, 4).evaluate(model,
                EvaluationRequest.of(coarse, data, metrics, "par"));
        assertEquals(List.of("top1", "logit0"), one.keys().stream().map(MetricKey::name).toList());
        assertArrayEquals(one.perSample("top1"), four.perSample("top1"));
        assertArrayEquals(one.perSample("logit0"), four.perSample("logit0"));
        assertEquals(one.aggregate(), four.aggregate());
        double mean = 0;
        for (double v : one.perSample("top1")) {
            mean += v;
        }
        assertEquals(mean / N, one.aggregate().get("top1"), 1e-12);
        // the aggregate instance saw the samples in order: Logit0's average is order-sensitive (it keeps the first value)
        assertEquals(one.perSample("logit0")[0], four.aggregate().get("logit0"));
    }

    @Test
    void subsetsAreEvaluatedInTheGivenOrderAndValuesMatchTheFullPass() {
        Evaluator ev = new Evaluator(ProgressListener.NONE, 2);
        EvaluationResult full = ev.evaluate(model, EvaluationRequest.of(coarse, data, List.of(Top1::new), "full"));
        int[] idx = {100, 3, 57, 4};
        EvaluationResult sub = ev.evaluate(model, EvaluationRequest.of(coarse, data, List.of(Top1::new), "sub").withIndices(idx));
        assertArrayEquals(idx, sub.indices());
        for (int p = 0; p < idx.length; p++) {
            assertEquals(full.perSample("top1")[idx[p]], sub.perSample("top1")[p]);
        }
    }

    @Test
    void fp32ResultsAreComputedOnceAndOutputsOnDemand() {
        Evaluator ev = new Evaluator(ProgressListener.NONE, 2);
        List<Supplier<Metric>> metrics = List.of(Top1::new);
        EvaluationResult a = ev.fp32(model, EvaluationRequest.of(QuantizationPlan.EMPTY, data, metrics, "fp32"));
        int compiles = model.compileCount();
        EvaluationResult b = ev.fp32(model, EvaluationRequest.of(QuantizationPlan.EMPTY, data, metrics, "fp32"));
        assertEquals(compiles, model.compileCount(), "second FP32 pass must come from the cache");
        assertEquals(a.aggregate(), b.aggregate());
        assertNull(a.outputs());
        EvaluationResult withOutputs = ev.fp32(model, EvaluationRequest.of(QuantizationPlan.EMPTY, data, metrics, "fp32")
                .withKeepOutputs(true));
        assertNotNull(withOutputs.outputs());
        assertEquals(N, withOutputs.outputs().size());
        compiles = model.compileCount();
        Map<Integer, List<Tensor>> ref = ev.fp32Outputs(model, data, new int[] {5, 9}, "ref");
        assertEquals(compiles, model.compileCount(), "outputs of cached samples must not be recomputed");
        assertArrayEquals(withOutputs.outputs().get(9).get(0).floats(), ref.get(9).get(0).floats());
        assertThrows(IllegalArgumentException.class,
                () -> ev.fp32(model, EvaluationRequest.of(coarse, data, metrics, "not fp32")));
    }

    @Test
    void distanceToReferenceIsZeroForTheSamePlanAndPositiveForAQuantizedOne() {
        Evaluator ev = new Evaluator(ProgressListener.NONE, 3);
        Map<Integer, List<Tensor>> ref = ev.fp32Outputs(model, data, range(N), "ref");
        EvaluationResult same = ev.evaluate(model, EvaluationRequest.of(QuantizationPlan.EMPTY, data, List.of(), "same")
                .withReference(ref));
        EvaluationResult q = ev.evaluate(model, EvaluationRequest.of(coarse, data, List.of(), "q").withReference(ref));
        for (int i = 0; i < N; i++) {
            assertEquals(0.0, same.distances()[i]);
        }
        double sum = 0;
        for (double d : q.distances()) {
            assertTrue(d >= 0);
            sum += d;
        }
        assertTrue(sum > 0, "3-bit activations must change the outputs");
    }

    @Test
    void aMetricThatThrowsFailsWithItsNameAndTheSample() {
        AtomicInteger calls = new AtomicInteger();
        Supplier<Metric> bad = () -> new Top1() {
            @Override
            public void update(List<Tensor> outputs, Object annotation) {
                if (calls.incrementAndGet() == 40) {
                    throw new IllegalStateException("boom");
                }
                super.update(outputs, annotation);
            }
        };
        Pot4jException e = assertThrows(Pot4jException.class, () -> new Evaluator(ProgressListener.NONE, 1)
                .evaluate(model, EvaluationRequest.of(coarse, data, List.of(bad), "x")));
        assertEquals(ErrorCode.METRIC_FAILED, e.code());
        assertTrue(e.getMessage().contains("'top1'") && e.getMessage().contains("sample 39") && e.getMessage().contains("boom"),
                e.getMessage());
        Pot4jException p = assertThrows(Pot4jException.class, () -> new Evaluator(ProgressListener.NONE, 4)
                .evaluate(model, EvaluationRequest.of(coarse, data, List.of(() -> new Top1() {
                    @Override
                    public void update(List<Tensor> outputs, Object annotation) {
                        throw new IllegalArgumentException("always");
                    }
                }), "x")));
        assertEquals(ErrorCode.METRIC_FAILED, p.code());
    }

    @Test
    void aMetricReturningNanFails() {
        Supplier<Metric> nan = () -> new Top1() {
            @Override
            public Map<String, Double> value() {
                return Map.of("top1", Double.NaN);
            }
        };
        Pot4jException e = assertThrows(Pot4jException.class, () -> new Evaluator(ProgressListener.NONE, 2)
                .evaluate(model, EvaluationRequest.of(coarse, data, List.of(nan), "x")));
        assertEquals(ErrorCode.METRIC_FAILED, e.code());
        assertTrue(e.getMessage().contains("NaN"), e.getMessage());
        Supplier<Metric> nanAverage = () -> new Top1() {
            @Override
            public Map<String, Double> avgValue() {
                return Map.of("top1", Double.NaN);
            }
        };
        assertEquals(ErrorCode.METRIC_FAILED, assertThrows(Pot4jException.class, () -> new Evaluator(ProgressListener.NONE, 2)
                .evaluate(model, EvaluationRequest.of(coarse, data, List.of(nanAverage), "x"))).code());
    }

    @Test
    void aModelThatIsNotThreadSafeIsNeverRunConcurrently() {
        SerialOnly serial = new SerialOnly(model);
        EvaluationResult r = new Evaluator(ProgressListener.NONE, 4).evaluate(serial,
                EvaluationRequest.of(coarse, data, List.of(Top1::new), "serial"));
        assertEquals(N, r.size());
        assertEquals(1, serial.maxConcurrent.get());
    }

    @Test
    void progressIsReportedUnderTheStageName() {
        List<String> events = Collections.synchronizedList(new ArrayList<>());
        ProgressListener p = new ProgressListener() {
            @Override
            public void stageStarted(String stage, long total) {
                events.add("start " + stage + " " + total);
            }

            @Override
            public void progress(String stage, long done, long total) {
                events.add("progress " + done);
            }

            @Override
            public void stageFinished(String stage) {
                events.add("end " + stage);
            }
        };
        new Evaluator(p, 2).evaluate(model, EvaluationRequest.of(coarse, data, List.of(Top1::new), "evaluate int8 (iteration 3)"));
        assertEquals("start evaluate int8 (iteration 3) " + N, events.get(0));
        assertEquals("end evaluate int8 (iteration 3)", events.get(events.size() - 1));
        assertTrue(events.contains("progress " + N));
    }

    @Test
    void validationFunctionsGiveOneValueAndOptionalPerSampleValues() {
        Evaluator ev = new Evaluator(ProgressListener.NONE, 1);
        ValidationFunction fn = new ValidationFunction() {
            @Override
            public double validate(CompiledModel m, Dataset d) {
                return d.size();
            }

            @Override
            public double[] validatePerSample(CompiledModel m, Dataset d) {
                double[] v = new double[d.size()];
                java.util.Arrays.fill(v, 1);
                return v;
            }
        };
        EvaluationResult r = ev.evaluateFunction(model, coarse, data, new int[] {1, 2, 3}, fn, true, true, "fn");
        assertEquals(3.0, r.aggregate().get(Evaluator.VALIDATION_KEY));
        assertArrayEquals(new double[] {1, 1, 1}, r.perSample(Evaluator.VALIDATION_KEY));
        ValidationFunction nan = (m, d) -> Double.NaN;
        assertEquals(ErrorCode.METRIC_FAILED, assertThrows(Pot4jException.class,
                () -> ev.evaluateFunction(model, coarse, data, null, nan, true, false, "fn")).code());
        ValidationFunction throwing = (m, d) -> {
            throw new IllegalStateException("user bug");
        };
        Pot4jException e = assertThrows(Pot4jException.class,
                () -> ev.evaluateFunction(model, coarse, data, null, throwing, true, false, "fn"));
        assertEquals(ErrorCode.METRIC_FAILED, e.code());
        assertTrue(e.getMessage().contains("user bug"));
    }

    @Test
    void emptySelectionIsRejected() {
        assertEquals(ErrorCode.DATASET_EMPTY, assertThrows(Pot4jException.class, () -> new Evaluator(ProgressListener.NONE, 1)
                .evaluate(model, EvaluationRequest.of(coarse, data, List.of(Top1::new), "x").withIndices(new int[0]))).code());
    }

    static int[] range(int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) {
            r[i] = i;
        }
        return r;
    }

    static Dataset dataset(int n, int features, int classes, long seed) {
        Random r = new Random(seed);
        List<Sample> samples = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            float[] x = new float[features];
            for (int j = 0; j < features; j++) {
                x[j] = (float) r.nextGaussian();
            }
            samples.add(Sample.of("input", Tensor.ofFloats(new long[] {features}, x), r.nextInt(classes)));
        }
        return Dataset.of("eval-data", samples);
    }

    /** Top-1 accuracy with per-sample values. */
    static class Top1 implements Metric {
        private final List<Double> hits = new ArrayList<>();

        @Override
        public Map<String, Double> value() {
            return Map.of("top1", hits.get(hits.size() - 1));
        }

        @Override
        public Map<String, Double> avgValue() {
            return Map.of("top1", hits.stream().mapToDouble(d -> d).average().orElse(Double.NaN));
        }

        @Override
        public void update(List<Tensor> outputs, Object annotation) {
            Tensor t = outputs.get(0);
            int best = 0;
            for (int c = 1; c < t.size(); c++) {
                if (t.getDouble(c) > t.getDouble(best)) {
                    best = c;
                }
            }
            hits.add(best == (Integer) annotation ? 1.0 : 0.0);
        }

        @Override
        public void reset() {
            hits.clear();
        }

        @Override
        public Map<String, Map<String, String>> attributes() {
            return Map.of("top1", Map.of("direction", "higher-better", "type", "accuracy"));
        }
    }

    /** Per-sample: the first logit; average: the first sample's value (detects out-of-order aggregation). */
    static class Logit0 implements Metric {
        private Double first;
        private double last;

        @Override
        public Map<String, Double> value() {
            return Map.of("logit0", last);
        }

        @Override
        public Map<String, Double> avgValue() {
            return Map.of("logit0", first);
        }

        @Override
        public void update(List<Tensor> outputs, Object annotation) {
            last = outputs.get(0).getDouble(0);
            if (first == null) {
                first = last;
            }
        }

        @Override
        public void reset() {
            first = null;
        }

        @Override
        public Map<String, Map<String, String>> attributes() {
            return Map.of("logit0", Map.of("direction", "higher-better", "type", "probe"));
        }
    }

    @Test
    void aPassTellsTheBackendHowManyRunsItHasInFlight() {
        HintRecorder rec = new HintRecorder(model);
        Evaluator ev = new Evaluator(ProgressListener.NONE, 3);
        ev.evaluate(rec, EvaluationRequest.of(coarse, data, List.of(Top1::new), "three workers"));
        assertEquals(List.of(3), rec.hints, "103 samples in batches of 16: three workers, three runs at once");
        ev.evaluate(rec, EvaluationRequest.of(coarse, data, List.of(Top1::new), "two batches").withIndices(range(20)));
        assertEquals(List.of(3, 2), rec.hints, "20 samples are two batches: no more than two runs at once");
        new Evaluator(ProgressListener.NONE, 1).evaluate(rec, EvaluationRequest.of(coarse, data, List.of(Top1::new), "one"));
        assertEquals(List.of(3, 2, 1), rec.hints);
    }

    /** Records the concurrent-runs hint of every compile. */
    static final class HintRecorder extends DelegatingModel {
        final List<Integer> hints = java.util.Collections.synchronizedList(new java.util.ArrayList<>());

        HintRecorder(Model inner) {
            super(inner);
        }

        @Override
        public CompiledModel compile(QuantizationPlan plan, Set<String> extraOutputs, int concurrentRuns) {
            hints.add(concurrentRuns);
            return inner.compile(plan, extraOutputs);
        }
    }

    /** A model whose compiled form says it is not thread-safe and records concurrent calls. */
    static final class SerialOnly extends DelegatingModel {
        final AtomicInteger maxConcurrent = new AtomicInteger();
        private final AtomicInteger active = new AtomicInteger();

        SerialOnly(Model inner) {
            super(inner);
        }

        @Override
        public CompiledModel compile(QuantizationPlan plan, Set<String> extraOutputs) {
            return new DelegatingCompiledModel(inner.compile(plan, extraOutputs)) {
                @Override
                public Map<String, Tensor> infer(Map<String, Tensor> inputs) {
                    int now = active.incrementAndGet();
                    maxConcurrent.accumulateAndGet(now, Math::max);
                    try {
                        Thread.sleep(1);
                        return super.infer(inputs);
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    } finally {
                        active.decrementAndGet();
                    }
                }

                @Override
                public boolean threadSafe() {
                    return false;
                }
            };
        }
    }
}
