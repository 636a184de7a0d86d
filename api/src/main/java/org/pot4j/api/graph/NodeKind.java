package org.pot4j.api.graph;

/**
 * What a graph node does, independent of the framework's op names. Each backend maps its own op
 * types to these kinds ({@code Conv}, {@code Conv2D} and {@code torch._convolution} are all
 * {@link #CONV}); placement, transformer mode and the ignored scope reason about kinds only.
 */
public enum NodeKind {
    /** Convolution (dense or grouped). */
    CONV,
    /** Depthwise convolution (one filter set per input channel). */
    DEPTHWISE_CONV,
    /** Transposed convolution. */
    CONV_TRANSPOSE,
    /** Fully connected layer with its weight as an operand ({@code Gemm}, {@code torch.linear}). */
    LINEAR,
    /** Matrix product ({@code MatMul}): of an activation and a weight, or of two activations. */
    MATMUL,
    /** Rows of a weight table selected by integer ids (embedding lookup). */
    EMBEDDING,
    /** Elementwise sum of two tensors (residual add). */
    ADD,
    /** Adding a per-channel bias vector ({@code BiasAdd}). */
    BIAS_ADD,
    /** Elementwise difference. */
    SUB,
    /** Elementwise product. */
    MUL,
    /** Elementwise quotient. */
    DIV,
    /** Other elementwise arithmetic: power, square root, reciprocal square root, error function. */
    MATH,
    /** Max pooling. */
    MAX_POOL,
    /** Average pooling over windows. */
    AVG_POOL,
    /** Average over all spatial positions. */
    GLOBAL_AVG_POOL,
    /** Mean over some axes (a global pool when the axes are the spatial ones). */
    REDUCE_MEAN,
    /** {@code max(x, 0)}. */
    RELU,
    /** Clamp into a range ({@code Clip}, {@code Relu6}, {@code hardtanh}). */
    CLIP,
    /** Leaky ReLU. */
    LEAKY_RELU,
    /** Logistic sigmoid. */
    SIGMOID,
    /** Hyperbolic tangent. */
    TANH,
    /** GELU (exact or approximate). */
    GELU,
    /** SiLU / swish ({@code x * sigmoid(x)} as one op). */
    SILU,
    /** Hard sigmoid. */
    HARD_SIGMOID,
    /** Hard swish. */
    HARD_SWISH,
    /** Other elementwise activations (ELU, SELU, PReLU, softplus, mish). */
    OTHER_ACTIVATION,
    /** Batch, layer, instance or group normalization. */
    NORMALIZATION,
    /** Softmax or log-softmax. */
    SOFTMAX,
    /** Concatenation along an axis. */
    CONCAT,
    /**
     * Values unchanged, only reshaped or reordered: reshape, flatten, view, squeeze, unsqueeze,
     * transpose, permute, identity.
     */
    PASS_THROUGH,
    /** Values selected or repeated: slice, gather on activations, expand, tile. */
    SELECT,
    /** Split into several outputs. */
    SPLIT,
    /** Spatial resize (nearest or linear upsampling). */
    RESIZE,
    /** Constant zero padding. */
    PAD,
    /** Reads only the shape of its input, never its values. */
    SHAPE,
    /** Anything else. */
    OTHER
}
