package org.pot4j.engine.data;

import java.util.List;
import java.util.Objects;
import org.pot4j.api.ProgressListener;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.data.Sample;
import org.pot4j.api.model.Model;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.engine.evaluation.EvaluationRequest;
import org.pot4j.engine.evaluation.EvaluationResult;
import org.pot4j.engine.evaluation.Evaluator;

/**
 * A view of a dataset whose annotation is the FP32 model's first output for each sample (a
 * {@link Tensor} with batch dimension 1), for "similarity to FP32" metrics such as
 * {@code cosine_similarity} or {@code nmse} ({@code annotation: fp32_output} in a config). The
 * outputs are computed once, on the first {@link #get}, by the engine's {@link Evaluator} (one
 * FP32 pass, kept in its cache).
 */
public final class Fp32OutputDataset implements Dataset {
    private final Dataset base;
    private final Model model;
    private final Evaluator evaluator;
    private final int batchSize;
    private volatile Tensor[] outputs;

    /**
     * @param base      the data (its own annotations are replaced)
     * @param model     the FP32 model
     * @param evaluator runs the one FP32 pass (and reports its progress)
     * @param batchSize batch size for that pass, 0 = the model's
     */
    public Fp32OutputDataset(Dataset base, Model model, Evaluator evaluator, int batchSize) {
        this.base = Objects.requireNonNull(base, "base");
        this.model = Objects.requireNonNull(model, "model");
        this.evaluator = Objects.requireNonNull(evaluator, "evaluator");
        this.batchSize = Math.max(0, batchSize);
    }

    /** As above with a stand-alone evaluator reporting to {@code progress}. */
    public Fp32OutputDataset(Dataset base, Model model, int batchSize, ProgressListener progress) {
        this(base, model, new Evaluator(progress), batchSize);
    }

    /** The data whose inputs this view shows. */
    public Dataset base() {
        return base;
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
        EvaluationResult r = evaluator.fp32(model, EvaluationRequest.of(QuantizationPlan.EMPTY, base, List.of(),
                "FP32 outputs of " + base.name()).withKeepOutputs(true).withBatchSize(batchSize));
        Tensor[] out = new Tensor[base.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = r.outputs().get(i).get(0);
        }
        return out;
    }
}
