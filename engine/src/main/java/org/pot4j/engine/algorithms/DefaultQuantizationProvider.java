package org.pot4j.engine.algorithms;

import org.pot4j.api.quant.QuantizationAlgorithm;
import org.pot4j.api.quant.QuantizationAlgorithmProvider;

/** Registers {@link DefaultQuantization} with ServiceLoader. */
public final class DefaultQuantizationProvider implements QuantizationAlgorithmProvider {
    @Override
    public String name() {
        return DefaultQuantization.NAME;
    }

    @Override
    public String version() {
        return AlgorithmSupport.version();
    }

    @Override
    public QuantizationAlgorithm create() {
        return new DefaultQuantization();
    }
}
