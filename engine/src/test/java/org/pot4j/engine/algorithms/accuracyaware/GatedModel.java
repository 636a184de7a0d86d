package org.pot4j.engine.algorithms.accuracyaware;

import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.Model;
import org.pot4j.api.quant.QuantizationPlan;

/**
 * A model whose quantized plans compile slowly (so {@code max_time} stops mid-search, or a pass of
 * such a plan cannot be near-free) or not at all (a replay must not run the model); counts compiles.
 */
final class GatedModel extends DelegatingModel {
    final long sleepMillis;
    final boolean refuse;
    final AtomicInteger compiles = new AtomicInteger();

    GatedModel(Model inner, long sleepMillis, boolean refuse) {
        super(inner);
        this.sleepMillis = sleepMillis;
        this.refuse = refuse;
    }

    @Override
    public CompiledModel compile(QuantizationPlan plan, Set<String> extraOutputs) {
        compiles.incrementAndGet();
        if (refuse) {
            throw new AssertionError("a replay must not run the model (asked to compile " + plan.fp32Nodes() + ")");
        }
        if (!plan.isEmpty()) {
            try {
                Thread.sleep(sleepMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return inner.compile(plan, extraOutputs);
    }
}
