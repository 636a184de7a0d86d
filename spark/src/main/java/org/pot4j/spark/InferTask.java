package org.pot4j.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.data.Sample;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.Model;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.engine.config.PlanJson;
import org.pot4j.engine.data.Batches;

/**
 * The Spark task of one pass: for each chunk id of its partition, runs the model under the plan
 * over that chunk's sample positions in the same batches a local pass uses (chunks are whole
 * batches), and returns the outputs. Serialized with the closure: the plan as JSON, the dataset
 * spec, the sample indices; the model comes from a broadcast.
 */
final class InferTask implements FlatMapFunction<Iterator<Integer>, ChunkResult>, Serializable {
    private static final long serialVersionUID = 1L;

    private final Broadcast<ModelShipment> model;
    private final String planJson;
    private final DatasetShipment dataset;
    private final int[] indices;
    private final int chunkSize;
    private final int batch;
    private final String stage;
    private final List<String> pluginDirs;

    InferTask(Broadcast<ModelShipment> model, String planJson, DatasetShipment dataset, int[] indices, int chunkSize,
            int batch, String stage, List<String> pluginDirs) {
        this.model = model;
        this.planJson = planJson;
        this.dataset = dataset;
        this.indices = indices;
        this.chunkSize = chunkSize;
        this.batch = batch;
        this.stage = stage;
        this.pluginDirs = List.copyOf(pluginDirs);
    }

    @Override
    public Iterator<ChunkResult> call(Iterator<Integer> chunks) {
        List<ChunkResult> results = new ArrayList<>();
        while (chunks.hasNext()) {
            int chunk = chunks.next();
            int from = chunk * chunkSize;
            try {
                results.add(ChunkResult.ok(chunk, from, run(from, Math.min(indices.length, from + chunkSize))));
            } catch (Pot4jException e) {
                results.add(ChunkResult.failed(chunk, from, e.code(), e.getMessage()));
            }
        }
        return results.iterator();
    }

    private List<List<WireTensor>> run(int from, int to) {
        Model m = ExecutorRuntime.model(model.value(), pluginDirs);
        Dataset ds = ExecutorRuntime.dataset(dataset, pluginDirs);
        QuantizationPlan plan = PlanJson.read(planJson);
        List<List<WireTensor>> out = new ArrayList<>(to - from);
        try (CompiledModel compiled = m.compile(plan, Set.of())) {
            List<String> names = null;
            for (int b = from; b < to; b += batch) {
                int e = Math.min(to, b + batch);
                List<Sample> samples = new ArrayList<>(e - b);
                for (int p = b; p < e; p++) {
                    Sample s = ds.get(indices[p]);
                    Batches.check(ds, indices[p], s, m.inputs());
                    samples.add(s);
                }
                Map<String, Tensor> result = infer(compiled, Batches.stack(samples, m.inputs()), ds, b, e);
                List<Map<String, Tensor>> split = Batches.split(result, e - b);
                if (names == null) {
                    names = outputNames(m, compiled, split.get(0));
                }
                for (Map<String, Tensor> one : split) {
                    List<Tensor> o = new ArrayList<>(names.size());
                    for (String name : names) {
                        Tensor t = one.get(name);
                        if (t == null) {
                            throw new Pot4jException(ErrorCode.RUNTIME_FAILURE, "the compiled model returned no output '" + name
                                    + "' (" + stage + "); it returned " + one.keySet());
                        }
                        o.add(t);
                    }
                    out.add(WireTensor.ofAll(o));
                }
            }
        }
        return out;
    }

    private Map<String, Tensor> infer(CompiledModel compiled, Map<String, Tensor> in, Dataset ds, int from, int to) {
        try {
            return compiled.infer(in);
        } catch (Pot4jException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new Pot4jException(ErrorCode.RUNTIME_FAILURE, "running the model (" + stage + ") on samples "
                    + indices[from] + ".." + indices[to - 1] + " of dataset '" + ds.name() + "' failed: " + e, e);
        }
    }

    /** The model outputs of one sample, as the local evaluator picks them. */
    private static List<String> outputNames(Model m, CompiledModel compiled, Map<String, Tensor> one) {
        List<String> declared = m.outputs().stream().map(t -> t.name()).toList();
        return one.keySet().containsAll(declared) && !declared.isEmpty() ? declared
                : compiled.outputNames().subList(0, Math.max(1, Math.min(declared.size(), compiled.outputNames().size())));
    }
}
