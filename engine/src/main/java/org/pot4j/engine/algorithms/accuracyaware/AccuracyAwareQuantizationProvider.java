package org.pot4j.engine.algorithms.accuracyaware;

import org.pot4j.api.quant.QuantizationAlgorithm;
import org.pot4j.api.quant.QuantizationAlgorithmProvider;

/** Registers {@link AccuracyAwareQuantization} with ServiceLoader. */
public final class AccuracyAwareQuantizationProvider implements QuantizationAlgorithmProvider {
    @Override
    public String name() {
        return AccuracyAwareQuantization.NAME;
    }

    @Override
    public String version() {
        String v = AccuracyAwareQuantizationProvider.class.getPackage().getImplementationVersion();
        return v == null ? "0.1.0" : v;
    }

    @Override
    public QuantizationAlgorithm create() {
        return new AccuracyAwareQuantization();
    }
}
