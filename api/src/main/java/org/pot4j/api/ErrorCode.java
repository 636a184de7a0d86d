package org.pot4j.api;

/**
 * What went wrong, in terms a user can act on. Each code knows whether it is the user's input
 * (a usage/config error, exit code 2) or a failure while running (exit code 1).
 */
public enum ErrorCode {
    /** A config file that cannot be parsed, or a value of the wrong type or range. */
    CONFIG_INVALID(true),
    /** A config key that pot4j does not know (the message lists the valid keys). */
    CONFIG_UNKNOWN_KEY(true),
    /** A file or folder named by the user does not exist or cannot be read. */
    FILE_NOT_FOUND(true),
    /** A model file that the backend cannot parse (truncated, corrupt, wrong format). */
    MODEL_CORRUPT(true),
    /** A model the backend reads but cannot handle (unsupported op, dtype, signature). */
    MODEL_UNSUPPORTED(true),
    /** A model with nothing pot4j can quantize. */
    NO_QUANTIZABLE_NODES(true),
    /** No installed backend accepts the model. */
    NO_BACKEND(true),
    /** Dataset is unreadable or malformed. */
    DATASET_INVALID(true),
    /** Dataset has no samples. */
    DATASET_EMPTY(true),
    /** Sample shape or dtype does not match the model input. */
    DATASET_SHAPE_MISMATCH(true),
    /** Calibration or validation data contains NaN or Inf. */
    DATA_NOT_FINITE(true),
    /** No metric of that name is installed, or its parameters are wrong. */
    UNKNOWN_METRIC(true),
    /** A metric threw or returned NaN. */
    METRIC_FAILED(false),
    /** No algorithm of that name is installed. */
    UNKNOWN_ALGORITHM(true),
    /** A plugin jar or provider failed to load. */
    PLUGIN_LOAD_FAILED(false),
    /** Two plugins claim the same name. */
    DUPLICATE_PLUGIN(true),
    /**
     * The accuracy target could not be reached and {@code on_target_missed: error} asked for a
     * failure ({@link org.pot4j.api.quant.AccuracyTargetMissedException} carries the best result);
     * by default a missed target is not an error but a BEST_EFFORT result with the best model.
     */
    ACCURACY_TARGET_NOT_MET(false),
    /** The runtime (ONNX Runtime, TensorFlow, libtorch) failed while running a model. */
    RUNTIME_FAILURE(false),
    /** The Java heap is too small for the model or data; raise it with JAVA_OPTS=-Xmx... */
    OUT_OF_MEMORY(false),
    /** The run was interrupted (Ctrl+C / SIGINT) before the model finished. */
    INTERRUPTED(false),
    /** Reading or writing a file failed. */
    IO_FAILURE(false),
    /** A bug in pot4j or a plugin. */
    INTERNAL(false);

    private final boolean userError;

    ErrorCode(boolean userError) {
        this.userError = userError;
    }

    /** True when the user's input (config, files, data) caused the error and can fix it. */
    public boolean isUserError() {
        return userError;
    }
}
