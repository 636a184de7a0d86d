package org.pot4j.api.model;

import java.util.List;
import org.pot4j.api.quant.QuantizationPlan;

/**
 * Optional capability of a {@link Model} (query it with {@code instanceof}): run a plan only from
 * the first node where it differs from another plan, fed with tensors that a run of the other plan
 * computed. AccuracyAware scores "the current plan with one node reverted" this way: the part of the
 * graph before that node computes the same values as in the current plan, so it is run once for all
 * candidates instead of once per candidate.
 *
 * <p>A backend that cannot cut a graph simply does not implement it; the engine then runs whole
 * models. Kept apart from {@link Model} so that backends and the graph-view SPI change independently.
 */
public interface SuffixRuns {
    /**
     * The part of {@code variant} that computes something different from {@code base}, or null when
     * the backend cannot separate it (the engine then runs the whole variant).
     */
    Suffix suffix(QuantizationPlan base, QuantizationPlan variant);

    /**
     * Whether {@link #suffix} may be called from several threads at once (a ranking then cuts its
     * candidates in parallel). The default says no: cuts are made one at a time.
     */
    default boolean concurrentSuffixes() {
        return false;
    }

    /** A part of a model under a plan, from its cut onward to the model outputs. */
    interface Suffix {
        /**
         * What it is fed: model inputs (by their {@link Model#inputs()} names) and intermediate
         * tensors that {@link Model#compile}{@code (base, extraOutputs)} returns when asked for them
         * by these names. Every one has the batch as its first dimension.
         */
        List<TensorInfo> inputs();

        /** Fraction of the whole model's nodes it runs (0..1]: how much cheaper a run is. */
        double share();

        /** A runnable model taking {@link #inputs()} and returning the model's {@link Model#outputs()}. */
        CompiledModel compile();

        /** As {@link #compile()} for {@code concurrentRuns} runs in flight at once (see {@link Model#compile(QuantizationPlan, java.util.Set, int)}). */
        default CompiledModel compile(int concurrentRuns) {
            return compile();
        }
    }
}
