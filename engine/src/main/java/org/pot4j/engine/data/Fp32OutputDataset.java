package org.pot4j.engine.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.pot4j.api.ProgressListener;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.data.Sample;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.Model;
import org.pot4j.api.quant.QuantizationPlan;

/**
 * A view of a dataset whose annotation is the FP32 model's first output for each sample (a
 * {@link Tensor} with batch dimension 1), for "similarity to FP32" metrics such as
 * {@code cosine_similarity} or {@code nmse} ({@code annotation: fp32_output} in a config). The
 * outputs are computed once, in batches, on the first {@link #get}, and kept in memory.
 */
public final class Fp32OutputDataset implements Dataset {
    private final Dataset base;
    private final Model model;
    private final int batchSize;
    private final ProgressListener progress;
    private volatile Tensor[] outputs;

    /**
     * @param base      the data (its own annotations are replaced)
     * @param model     the FP32 model
     * @param batchSize batch size for the one pass
     * @param progress  progress of that pass
     */
    public Fp32OutputDataset(Dataset base, Model model, int batchSize, ProgressListener progress) {
        this.base = Objects.requireNonNull(base, "base");
        this.model = Objects.requireNonNull(model, "model");
        this.batchSize = Math.max(1, batchSize);
        this.progress = progress == null ? ProgressListener.NONE : progress;
    }

    @Override
    public int size() {
        return base.size();
    }

    @Override
    public Sample get(int index) {
        Tensor annotation = outputs()[index];
        Sample s = base.get(index);
        return new Sample(s.inputs(), annotation, s.metadata());
    }

    @Override
    public String name() {
        return base.name();
    }

    private Tensor[] outputs() {
        Tensor[] out = outputs;
        if (out == null) {
            synchronized (this) {
                out = outputs;
                if (out == null) {
                    out = compute();
                    outputs = out;
                }
            }
        }
        return out;
    }

    private Tensor[] compute() {
        int n = base.size();
        Tensor[] out = new Tensor[n];
        String first = model.outputs().get(0).name();
        String stage = "FP32 outputs of " + base.name();
        progress.stageStarted(stage, n);
        try (CompiledModel compiled = model.compile(QuantizationPlan.EMPTY, Set.of())) {
            for (int start = 0; start < n; start += batchSize) {
                int end = Math.min(n, start + batchSize);
                List<Sample> samples = new ArrayList<>(end - start);
                for (int i = start; i < end; i++) {
                    Sample s = base.get(i);
                    Batches.check(base, i, s, model.inputs());
                    samples.add(s);
                }
                Map<String, Tensor> result = compiled.infer(Batches.stack(samples, model.inputs()));
                List<Map<String, Tensor>> split = Batches.split(Map.of(first, result.get(first)), samples.size());
                for (int k = 0; k < samples.size(); k++) {
                    out[start + k] = split.get(k).get(first);
                }
                progress.progress(stage, end, n);
            }
        } finally {
            progress.stageFinished(stage);
        }
        return out;
    }
}
