package org.pot4j.engine.algorithms.biascorrection;

import java.util.HashSet;
import java.util.Set;
import org.pot4j.api.model.Model;
import org.pot4j.api.quant.AlgorithmContext;
import org.pot4j.api.quant.QuantizationAlgorithm;
import org.pot4j.api.quant.QuantizationResult;
import org.pot4j.engine.algorithms.DefaultQuantization;
import org.pot4j.engine.algorithms.minmax.MinMaxParameters;

/**
 * NNCF/POT FastBiasCorrection as a configurable algorithm. A plan has to exist before its biases
 * can be corrected, so run on its own it quantizes with MinMax under the same parameters first
 * (sharing the FP32 statistics pass) and then shifts the biases: the same result as
 * DefaultQuantization with {@code use_fast_bias: true}. The correction itself lives in
 * {@link BiasCorrector}, which AccuracyAware reuses after reverting nodes.
 */
public final class FastBiasCorrection implements QuantizationAlgorithm {
    /** Name in configs. */
    public static final String NAME = "FastBiasCorrection";

    private static final Set<String> NAMES;

    static {
        Set<String> names = new HashSet<>(MinMaxParameters.NAMES);
        names.addAll(BiasCorrectionParameters.NAMES);
        NAMES = Set.copyOf(names);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<String> parameterNames() {
        return NAMES;
    }

    @Override
    public void checkParameters(java.util.Map<String, Object> params) {
        DefaultQuantization.check(NAME, params, NAMES);
    }

    @Override
    public QuantizationResult run(Model model, AlgorithmContext context) {
        return DefaultQuantization.quantize(model, context, NAME, NAMES);
    }
}
