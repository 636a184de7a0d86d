package org.pot4j.engine.algorithms.biascorrection;

import org.pot4j.api.quant.QuantizationAlgorithm;
import org.pot4j.api.quant.QuantizationAlgorithmProvider;
import org.pot4j.engine.algorithms.AlgorithmSupport;

/** Registers {@link FastBiasCorrection} with ServiceLoader. */
public final class FastBiasCorrectionProvider implements QuantizationAlgorithmProvider {
    @Override
    public String name() {
        return FastBiasCorrection.NAME;
    }

    @Override
    public String version() {
        return AlgorithmSupport.version();
    }

    @Override
    public QuantizationAlgorithm create() {
        return new FastBiasCorrection();
    }
}
