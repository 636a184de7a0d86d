package org.pot4j.engine.statistics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.ProgressListener;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.data.Sample;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.TensorInfo;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.engine.data.Batches;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one streaming statistics pass: compiles the model once under a plan
 * ({@link QuantizationPlan#EMPTY} for FP32 ranges, a quantized plan for bias correction) with every
 * tracked tensor as an extra output, runs the calibration subset in batches and folds each batch
 * into per-tensor reducers. Batches are dropped as soon as they are reduced, so memory is bounded by
 * the tracked tensors and one batch, never by the dataset. Stateless and thread-safe; one instance
 * can serve every algorithm of a run.
 */
public class StatisticsCollector {
    private static final Logger LOG = LoggerFactory.getLogger(StatisticsCollector.class);

    /**
     * Collects {@code request} on {@code model} compiled with {@code plan}.
     *
     * @throws Pot4jException {@code DATASET_EMPTY}, {@code DATASET_SHAPE_MISMATCH} or
     *                        {@code DATA_NOT_FINITE} naming the sample; {@code RUNTIME_FAILURE} when
     *                        the backend does not return a tracked tensor
     */
    public StatisticsResult collect(Model model, QuantizationPlan plan, Dataset dataset, StatisticsRequest request,
                                    CollectionOptions options, ProgressListener progress) {
        long start = System.nanoTime();
        if (dataset.size() == 0) {
            throw new Pot4jException(ErrorCode.DATASET_EMPTY, "calibration dataset '" + dataset.name()
                    + "' has no samples; point the config at a folder or file with data");
        }
        int[] indices = SubsetIndices.choose(dataset.size(), options.subsetSize(), options.shuffle(), options.seed());
        List<TensorInfo> inputs = model.inputs();
        Set<String> inputNames = new LinkedHashSet<>();
        inputs.forEach(i -> inputNames.add(i.name()));
        Set<String> outputNames = new LinkedHashSet<>();
        model.outputs().forEach(o -> outputNames.add(o.name()));

        List<TensorReducer> reducers = new ArrayList<>();
        Set<String> extraOutputs = new LinkedHashSet<>();
        for (String t : request.tensors()) {
            reducers.add(new TensorReducer(t, request.specs(t)));
            if (!inputNames.contains(t) && !outputNames.contains(t)) {
                extraOutputs.add(t);
            }
        }
        int fixedBatch = fixedBatch(inputs);
        int batch = fixedBatch > 0 ? fixedBatch : options.batchSize() > 0 ? options.batchSize() : Batches.batchSizeFor(model);
        String stage = options.stage();
        progress.stageStarted(stage, indices.length);
        LOG.debug("{}: {} samples of '{}', batch {}, {} tensors ({} statistics)", stage, indices.length, dataset.name(),
                batch, reducers.size(), request.size());
        try (CompiledModel compiled = model.compile(plan, extraOutputs)) {
            for (int from = 0; from < indices.length; from += batch) {
                int to = Math.min(indices.length, from + batch);
                List<Sample> samples = new ArrayList<>(batch);
                for (int i = from; i < to; i++) {
                    samples.add(read(dataset, indices[i], inputs));
                }
                int valid = samples.size();
                while (fixedBatch > 0 && samples.size() < fixedBatch) {
                    samples.add(samples.get(valid - 1)); // pad a fixed-batch model; padding rows are not reduced
                }
                Map<String, Tensor> feed = stack(samples, inputs, dataset, indices[from], indices[to - 1]);
                Map<String, Tensor> out = compiled.infer(feed);
                for (TensorReducer r : reducers) {
                    Tensor t = inputNames.contains(r.tensor()) ? feed.get(r.tensor()) : out.get(r.tensor());
                    if (t == null) {
                        throw new Pot4jException(ErrorCode.RUNTIME_FAILURE, "backend '" + model.backendName()
                                + "' did not return tensor '" + r.tensor() + "' of model " + model.path()
                                + " that statistics need; the backend must expose intermediate tensors asked for in compile()");
                    }
                    r.accept(t, samples.size(), valid);
                }
                progress.progress(stage, to, indices.length);
            }
        } finally {
            progress.stageFinished(stage);
        }
        Map<String, Map<StatisticSpec, Object>> values = new LinkedHashMap<>();
        long state = 0;
        for (TensorReducer r : reducers) {
            values.put(r.tensor(), r.results());
            state += r.stateSize();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        LOG.info("{}: {} samples, {} tensors in {} s", stage, indices.length, reducers.size(), String.format("%.2f", seconds));
        return new StatisticsResult(values, indices.length, state, seconds);
    }

    private static Sample read(Dataset dataset, int index, List<TensorInfo> inputs) {
        Sample s;
        try {
            s = dataset.get(index);
        } catch (Pot4jException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new Pot4jException(ErrorCode.DATASET_INVALID, "reading sample " + index + " of dataset '" + dataset.name()
                    + "' failed: " + e.getMessage() + "; check the dataset files", e);
        }
        Batches.check(dataset, index, s, inputs);
        return s;
    }

    private static Map<String, Tensor> stack(List<Sample> samples, List<TensorInfo> inputs, Dataset dataset, int first, int last) {
        try {
            return Batches.stack(samples, inputs);
        } catch (IllegalArgumentException e) {
            throw new Pot4jException(ErrorCode.DATASET_SHAPE_MISMATCH, "samples " + first + ".." + last + " of dataset '"
                    + dataset.name() + "' have different shapes and cannot form one batch (" + e.getMessage()
                    + "); pad them to one shape or set stat_batch_size to 1", e);
        }
    }

    /** The batch size every input fixes, or 0 when the batch dimension is dynamic. */
    private static int fixedBatch(List<TensorInfo> inputs) {
        for (TensorInfo in : inputs) {
            long[] s = in.shape();
            if (s.length > 0 && s[0] > 0) {
                return (int) s[0];
            }
        }
        return 0;
    }
}
