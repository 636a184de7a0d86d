package org.pot4j.api.metric;

import org.pot4j.api.data.Dataset;
import org.pot4j.api.model.CompiledModel;

/**
 * NNCF's validation function: receives a compiled model and the validation data and returns one
 * accuracy value (higher is better unless the caller says otherwise). Use it instead of a
 * {@link Metric} when the user already has evaluation code.
 */
@FunctionalInterface
public interface ValidationFunction {
    /** The model's accuracy on {@code validation}. */
    double validate(CompiledModel model, Dataset validation);

    /**
     * Per-sample values, when the function can give them, to rank samples and layers; null (the
     * default) makes AccuracyAware rank by the normalized output distance to FP32 instead.
     */
    default double[] validatePerSample(CompiledModel model, Dataset validation) {
        return null;
    }
}
