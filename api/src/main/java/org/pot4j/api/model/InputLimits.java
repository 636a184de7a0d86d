package org.pot4j.api.model;

import java.util.List;

/**
 * Implemented by a {@link Model} that knows limits on its integer inputs (token ids and sequence
 * length of an encoder, from its embedding tables). The engine checks every sample of the calibration
 * and validation sets against them when it opens the sets, before any pass runs. A separate interface
 * so a backend without such inputs has nothing to implement.
 */
public interface InputLimits {
    /** The limits, possibly several per input; empty when none is known. */
    List<InputLimit> inputLimits();
}
