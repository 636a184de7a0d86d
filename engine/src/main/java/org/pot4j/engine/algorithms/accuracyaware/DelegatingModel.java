package org.pot4j.engine.algorithms.accuracyaware;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pot4j.api.Tensor;
import org.pot4j.api.graph.GraphView;
import org.pot4j.api.graph.PlacementRules;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.QuantizableNode;
import org.pot4j.api.model.TensorInfo;
import org.pot4j.api.quant.QuantizationPlan;

/**
 * A model that forwards everything but {@code close} to another (the wrapper never owns it); subclasses
 * change what a run sees (suffix runs, tests that script a plan's accuracy or watch the evaluator's calls).
 * Public so that it is the one forwarding model of the engine and its tests.
 */
public abstract class DelegatingModel implements Model {
    /** The wrapped model. */
    protected final Model inner;

    /** Forwards to {@code inner}. */
    protected DelegatingModel(Model inner) {
        this.inner = inner;
    }

    @Override
    public Path path() {
        return inner.path();
    }

    @Override
    public String backendName() {
        return inner.backendName();
    }

    @Override
    public List<TensorInfo> inputs() {
        return inner.inputs();
    }

    @Override
    public List<TensorInfo> outputs() {
        return inner.outputs();
    }

    @Override
    public List<QuantizableNode> quantizableNodes() {
        return inner.quantizableNodes();
    }

    @Override
    public GraphView graph() {
        return inner.graph();
    }

    @Override
    public PlacementRules placementRules() {
        return inner.placementRules();
    }

    @Override
    public Tensor weight(QuantizableNode node) {
        return inner.weight(node);
    }

    @Override
    public Tensor bias(QuantizableNode node) {
        return inner.bias(node);
    }

    @Override
    public CompiledModel compile(QuantizationPlan plan, Set<String> extraOutputs) {
        return inner.compile(plan, extraOutputs);
    }

    @Override
    public void save(QuantizationPlan plan, Path target) {
        inner.save(plan, target);
    }

    @Override
    public List<Path> sourceFiles() {
        return inner.sourceFiles();
    }

    @Override
    public Map<String, String> floatOps(QuantizationPlan plan) {
        return inner.floatOps(plan);
    }

    @Override
    public long sizeOnDisk() {
        return inner.sizeOnDisk();
    }
}
