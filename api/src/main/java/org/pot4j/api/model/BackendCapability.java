package org.pot4j.api.model;

/** What a backend can do; the engine queries these instead of assuming them. */
public enum BackendCapability {
    /** Weights quantized with one scale per output channel. */
    PER_CHANNEL_WEIGHTS,
    /** Activations quantized too, not only weights. */
    ACTIVATION_QUANTIZATION,
    /** Asymmetric (non-zero zero point) activation quantizers, needed by the {@code mixed} preset. */
    ASYMMETRIC_ACTIVATIONS,
    /** Bias shifts in a plan are applied (FastBiasCorrection). */
    BIAS_CORRECTION,
    /** Intermediate tensors can be returned for statistics. */
    INTERMEDIATE_OUTPUTS,
    /** {@code save} stores weights as 8-bit integers (file ~4x smaller). */
    INT8_WEIGHT_STORAGE,
    /** Compiled quantized models run on integer kernels, not only simulated. */
    INT8_KERNELS,
    /**
     * The integer kernels on this machine can saturate with full-range 8-bit weights (uint8 x int8
     * products summed in int16, as on x86 CPUs without VNNI), so weights should use 7 bits
     * (ONNX Runtime's {@code reduce_range}).
     */
    SATURATING_INT8_KERNELS,
    /**
     * Activation quantizers can be dynamic (range computed from each batch at run time, see
     * {@link org.pot4j.api.quant.ActivationQuantizer#dynamic(int)}) for the inputs of weighted
     * {@code MatMul} nodes.
     */
    DYNAMIC_ACTIVATIONS,
    /**
     * Outlier channels of a dynamically quantized activation computed in float beside the integer
     * product ({@link org.pot4j.api.quant.QuantizationPlan#floatChannels()}).
     */
    FLOAT_OUTLIER_CHANNELS
}
