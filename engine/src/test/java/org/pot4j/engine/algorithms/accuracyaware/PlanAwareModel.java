package org.pot4j.engine.algorithms.accuracyaware;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pot4j.api.Tensor;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.Model;
import org.pot4j.api.quant.QuantizationPlan;

/**
 * Wraps a model so that its compiled form tells which plan it runs: a scripted validation function
 * can then return chosen accuracies per set of reverted nodes, to drive the search through
 * situations real models produce only by chance (a revert that makes things worse).
 */
final class PlanAwareModel extends DelegatingModel {
    PlanAwareModel(Model inner) {
        super(inner);
    }

    /** A compiled model that knows its plan. */
    interface PlanCompiled extends CompiledModel {
        QuantizationPlan plan();
    }

    @Override
    public CompiledModel compile(QuantizationPlan plan, Set<String> extraOutputs) {
        CompiledModel c = inner.compile(plan, extraOutputs);
        return new PlanCompiled() {
            @Override
            public QuantizationPlan plan() {
                return plan;
            }

            @Override
            public List<String> inputNames() {
                return c.inputNames();
            }

            @Override
            public List<String> outputNames() {
                return c.outputNames();
            }

            @Override
            public Map<String, Tensor> infer(Map<String, Tensor> inputs) {
                return c.infer(inputs);
            }

            @Override
            public void close() {
                c.close();
            }
        };
    }
}
