package org.pot4j.api.quant;

import java.util.Objects;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;

/**
 * Thrown by an accuracy-controlled algorithm run with {@code on_target_missed: error} (NNCF's
 * behaviour: {@code quantize_with_accuracy_control} raises when {@code max_drop} cannot be
 * reached). The best plan found is not lost: {@link #bestResult()} holds it with status
 * {@code BEST_EFFORT} and the full report.
 */
public class AccuracyTargetMissedException extends Pot4jException {
    private static final long serialVersionUID = 1L;

    private final transient QuantizationResult bestResult;

    /**
     * @param message    one line: the drop reached, the target, and what to try
     * @param bestResult the best result found, status {@code BEST_EFFORT}
     */
    public AccuracyTargetMissedException(String message, QuantizationResult bestResult) {
        super(ErrorCode.ACCURACY_TARGET_NOT_MET, message);
        this.bestResult = Objects.requireNonNull(bestResult, "bestResult");
    }

    /** The best plan found (smallest drop), with its report; what {@code best_effort} would have returned. */
    public QuantizationResult bestResult() {
        return bestResult;
    }
}
