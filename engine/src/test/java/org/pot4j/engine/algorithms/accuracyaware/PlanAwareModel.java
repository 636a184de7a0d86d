package org.pot4j.engine.algorithms.accuracyaware;

import java.util.Set;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.Model;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.engine.testing.DelegatingCompiledModel;

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
    static final class PlanCompiled extends DelegatingCompiledModel {
        private final QuantizationPlan plan;

        PlanCompiled(CompiledModel inner, QuantizationPlan plan) {
            super(inner);
            this.plan = plan;
        }

        QuantizationPlan plan() {
            return plan;
        }
    }

    @Override
    public CompiledModel compile(QuantizationPlan plan, Set<String> extraOutputs) {
        return new PlanCompiled(inner.compile(plan, extraOutputs), plan);
    }
}
