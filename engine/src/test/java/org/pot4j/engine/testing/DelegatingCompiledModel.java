package org.pot4j.engine.testing;

import java.util.List;
import java.util.Map;
import org.pot4j.api.Tensor;
import org.pot4j.api.model.CompiledModel;

/**
 * A compiled model that forwards everything to another; tests subclass it to change what a run sees
 * (which plan it runs, thread safety, concurrent calls), the compiled-model counterpart of the engine's
 * {@link org.pot4j.engine.algorithms.accuracyaware.DelegatingModel}. Only tests wrap compiled models,
 * so it lives here rather than in the engine.
 */
public class DelegatingCompiledModel implements CompiledModel {
    /** The wrapped compiled model, closed with this one. */
    protected final CompiledModel inner;

    /** Forwards to {@code inner}. */
    public DelegatingCompiledModel(CompiledModel inner) {
        this.inner = inner;
    }

    @Override
    public List<String> inputNames() {
        return inner.inputNames();
    }

    @Override
    public List<String> outputNames() {
        return inner.outputNames();
    }

    @Override
    public Map<String, Tensor> infer(Map<String, Tensor> inputs) {
        return inner.infer(inputs);
    }

    @Override
    public boolean threadSafe() {
        return inner.threadSafe();
    }

    @Override
    public void close() {
        inner.close();
    }
}
