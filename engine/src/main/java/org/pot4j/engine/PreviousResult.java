package org.pot4j.engine;

import java.util.Optional;
import org.pot4j.api.quant.QuantizationResult;

/**
 * An {@link org.pot4j.api.quant.AlgorithmContext#service} for algorithms that run after another
 * one in a config's {@code compression.algorithms} list: the result of the algorithm before (POT
 * runs the list as a pipeline). Empty for the first algorithm and for Java API calls.
 *
 * @param result the previous algorithm's result, or null
 */
public record PreviousResult(QuantizationResult result) {
    /** No previous algorithm. */
    public static final PreviousResult NONE = new PreviousResult(null);

    /** The previous result, when there is one. */
    public Optional<QuantizationResult> get() {
        return Optional.ofNullable(result);
    }
}
