package org.pot4j.engine.evaluation.executor;

import java.util.Objects;
import org.pot4j.api.ProgressListener;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.model.Model;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.engine.evaluation.InferenceLoop;

/**
 * The live objects behind an {@link EvaluationTask} on the driver. An in-process executor runs on
 * them directly (no reload, no serialization); a remote executor ignores them (except
 * {@code progress}) and re-creates model and dataset from the task's descriptors.
 *
 * @param model    the loaded model
 * @param plan     the plan (the task's {@code planJson} parsed)
 * @param dataset  the dataset, annotations included
 * @param progress where progress goes
 * @param check    which samples still need the input check
 */
public record LiveInputs(Model model, QuantizationPlan plan, Dataset dataset, ProgressListener progress,
                         InferenceLoop.SampleCheck check) {
    /** Validates. */
    public LiveInputs {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(plan, "plan");
        Objects.requireNonNull(dataset, "dataset");
        progress = progress == null ? ProgressListener.NONE : progress;
        check = check == null ? InferenceLoop.SampleCheck.ALWAYS : check;
    }
}
