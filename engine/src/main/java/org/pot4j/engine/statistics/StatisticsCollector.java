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
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.TensorInfo;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.engine.data.Batches;
import org.pot4j.engine.evaluation.Compilation;
import org.pot4j.engine.evaluation.InferenceLoop;
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

    private final int workers;

    /** A sequential collector. */
    public StatisticsCollector() {
        this(1);
    }

    /** A collector running {@code workers} inference requests in parallel (POT's {@code stat_requests_number}). */
    public StatisticsCollector(int workers) {
        this.workers = Math.max(1, workers);
    }

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
        int fixedBatch = InferenceLoop.fixedBatch(inputs);
        int batch = fixedBatch > 0 ? fixedBatch : options.batchSize() > 0 ? options.batchSize() : Batches.batchSizeFor(model);
        String stage = options.stage();
        LOG.debug("{}: {} samples of '{}', batch {}, {} tensors ({} statistics)", stage, indices.length, dataset.name(),
                batch, reducers.size(), request.size());
        try (CompiledModel compiled = Compilation.compile(model, plan, extraOutputs)) {
            // reducers see the batches in sample order, so the statistics never depend on the workers
            InferenceLoop.run(model, compiled, dataset, indices, new InferenceLoop.Options(batch, Math.max(workers, options.workers()), stage,
                    progress, InferenceLoop.SampleCheck.ALWAYS), null, (worker, b) -> {
                        for (TensorReducer r : reducers) {
                            Tensor t = inputNames.contains(r.tensor()) ? b.feed().get(r.tensor()) : b.outputs().get(r.tensor());
                            if (t == null) {
                                throw new Pot4jException(ErrorCode.RUNTIME_FAILURE, "backend '" + model.backendName()
                                        + "' did not return tensor '" + r.tensor() + "' of model " + model.path()
                                        + " that statistics need; the backend must expose intermediate tensors asked for in compile()");
                            }
                            r.accept(t, b.rows(), b.size());
                        }
                    });
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
}
