package org.pot4j.engine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.ProgressListener;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.data.Sample;
import org.pot4j.api.metric.Metric;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.TensorInfo;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.engine.data.Batches;

/**
 * The plain evaluation loop behind {@link Pot4j#evaluate}: compile the plan once, run the dataset
 * in batches, feed each sample's outputs (batch dimension 1) to every metric, return the merged
 * average values. Sequential on purpose: it is the reference the faster evaluators are checked
 * against.
 */
final class SequentialEvaluation {
    private SequentialEvaluation() {
    }

    static Map<String, Double> run(Model model, QuantizationPlan plan, Dataset data, List<Supplier<Metric>> factories,
                                   int batchSize, ProgressListener progress) {
        if (factories.isEmpty()) {
            return Map.of();
        }
        if (data.size() == 0) {
            throw new Pot4jException(ErrorCode.DATASET_EMPTY, "dataset '" + data.name() + "' has no samples to evaluate on");
        }
        List<Metric> metrics = new ArrayList<>();
        for (Supplier<Metric> f : factories) {
            Metric m = f.get();
            m.reset();
            metrics.add(m);
        }
        List<TensorInfo> inputs = model.inputs();
        List<String> outputNames = model.outputs().stream().map(TensorInfo::name).toList();
        String stage = "evaluate " + (plan.isEmpty() ? "FP32" : "INT8") + " on " + data.name();
        int n = data.size();
        progress.stageStarted(stage, n);
        try (CompiledModel compiled = model.compile(plan, Set.of())) {
            for (int start = 0; start < n; start += batchSize) {
                int end = Math.min(n, start + batchSize);
                List<Sample> samples = new ArrayList<>(end - start);
                for (int i = start; i < end; i++) {
                    Sample s = data.get(i);
                    Batches.check(data, i, s, inputs);
                    samples.add(s);
                }
                Map<String, Tensor> out = compiled.infer(Batches.stack(samples, inputs));
                List<Map<String, Tensor>> perSample = Batches.split(out, samples.size());
                for (int k = 0; k < samples.size(); k++) {
                    List<Tensor> outputs = new ArrayList<>(outputNames.size());
                    for (String name : outputNames) {
                        outputs.add(perSample.get(k).get(name));
                    }
                    for (Metric m : metrics) {
                        update(m, outputs, samples.get(k), start + k, data);
                    }
                }
                progress.progress(stage, end, n);
            }
        } finally {
            progress.stageFinished(stage);
        }
        Map<String, Double> result = new LinkedHashMap<>();
        for (Metric m : metrics) {
            Map<String, Double> avg;
            try {
                avg = m.avgValue();
            } catch (RuntimeException e) {
                throw new Pot4jException(ErrorCode.METRIC_FAILED, "metric " + nameOf(m) + " failed to average: " + e, e);
            }
            for (Map.Entry<String, Double> e : avg.entrySet()) {
                if (e.getValue() == null || e.getValue().isNaN()) {
                    throw new Pot4jException(ErrorCode.METRIC_FAILED, "metric '" + e.getKey() + "' returned NaN on dataset '"
                            + data.name() + "'; check the metric and the annotations");
                }
                result.put(e.getKey(), e.getValue());
            }
        }
        return result;
    }

    private static void update(Metric m, List<Tensor> outputs, Sample sample, int index, Dataset data) {
        try {
            m.update(outputs, sample.annotation(), sample.metadata());
        } catch (Pot4jException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new Pot4jException(ErrorCode.METRIC_FAILED, "metric " + nameOf(m) + " failed on sample " + index
                    + " of dataset '" + data.name() + "': " + e, e);
        }
    }

    static String nameOf(Metric m) {
        try {
            Map<String, Map<String, String>> attrs = m.attributes();
            if (attrs != null && !attrs.isEmpty()) {
                return "'" + String.join(",", attrs.keySet()) + "'";
            }
        } catch (RuntimeException ignored) {
            // fall back to the class name
        }
        return m.getClass().getName();
    }
}
