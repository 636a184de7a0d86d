package org.pot4j.api.model;

import java.util.List;
import java.util.Map;
import org.pot4j.api.Tensor;

/**
 * A model ready to run, the analogue of {@code openvino.CompiledModel} that NNCF validation
 * functions receive. {@link #infer} is thread-safe unless {@link #threadSafe()} says otherwise.
 */
public interface CompiledModel extends AutoCloseable {
    /** Input names, in model order. */
    List<String> inputNames();

    /** Output names: the model outputs first, then the requested intermediate tensors. */
    List<String> outputNames();

    /**
     * Runs one batch. Inputs carry a leading batch dimension and are keyed by input name.
     *
     * @return every output of {@link #outputNames()}, keyed by name, batch dimension first
     * @throws org.pot4j.api.Pot4jException {@code DATASET_SHAPE_MISMATCH} for wrong shapes or
     *                                      types, {@code RUNTIME_FAILURE} otherwise
     */
    Map<String, Tensor> infer(Map<String, Tensor> inputs);

    /** False when callers must not call {@link #infer} concurrently. */
    default boolean threadSafe() {
        return true;
    }

    /** Releases native resources. */
    @Override
    void close();
}
