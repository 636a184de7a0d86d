package org.pot4j.engine.run;

import org.pot4j.api.quant.QuantizationResult;

/** How one model of a job ended. */
public enum ModelStatus {
    /** Quantized; the algorithm had no accuracy target. */
    COMPLETED,
    /** Quantized and the accuracy target was met. */
    TARGET_MET,
    /** The target was not met; the best model found was saved (CLI exit code 3). */
    BEST_EFFORT,
    /** Failed; see the outcome's error. Other models still ran. */
    FAILED,
    /** The run was interrupted (Ctrl+C) before this model finished; no model file was written. */
    INTERRUPTED;

    /** The status for an algorithm's result. */
    public static ModelStatus of(QuantizationResult.Status s) {
        switch (s) {
            case TARGET_MET: return TARGET_MET;
            case BEST_EFFORT: return BEST_EFFORT;
            default: return COMPLETED;
        }
    }
}
