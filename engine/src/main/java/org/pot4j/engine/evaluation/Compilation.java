package org.pot4j.engine.evaluation;

import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.Model;
import org.pot4j.api.quant.QuantizationPlan;

/**
 * {@link Model#compile} is not promised to be thread-safe, so compiles of one model are serialized
 * (ranking compiles candidates from several threads); inference still runs in parallel.
 */
public final class Compilation {
    /** One lock per model, dropped with the model. */
    private static final Map<Model, Object> LOCKS = Collections.synchronizedMap(new WeakHashMap<>());

    private Compilation() {
    }

    /** {@code model.compile(plan, extraOutputs)} under the model's compile lock. */
    public static CompiledModel compile(Model model, QuantizationPlan plan, Set<String> extraOutputs) {
        Object lock = LOCKS.computeIfAbsent(model, k -> new Object());
        synchronized (lock) {
            return model.compile(plan, extraOutputs);
        }
    }

    /**
     * {@code model.compile(plan, extraOutputs, concurrentRuns)} under the model's compile lock: the
     * caller will have {@code concurrentRuns} runs of the compiled model (and of models compiled
     * alongside it) in flight at once, so the backend may give each a share of the cores.
     */
    public static CompiledModel compile(Model model, QuantizationPlan plan, Set<String> extraOutputs, int concurrentRuns) {
        Object lock = LOCKS.computeIfAbsent(model, k -> new Object());
        synchronized (lock) {
            return model.compile(plan, extraOutputs, Math.max(1, concurrentRuns));
        }
    }
}
