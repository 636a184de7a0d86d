package org.pot4j.engine.algorithms.minmax;

import org.pot4j.api.quant.QuantizationAlgorithm;
import org.pot4j.api.quant.QuantizationAlgorithmProvider;
import org.pot4j.engine.algorithms.AlgorithmSupport;

/** Registers {@link MinMaxQuantization} with ServiceLoader. */
public final class MinMaxQuantizationProvider implements QuantizationAlgorithmProvider {
    @Override
    public String name() {
        return MinMaxQuantization.NAME;
    }

    @Override
    public String version() {
        return AlgorithmSupport.version();
    }

    @Override
    public QuantizationAlgorithm create() {
        return new MinMaxQuantization();
    }
}
