package org.pot4j.engine.algorithms.minmax;

import java.util.Set;
import org.pot4j.api.model.BackendCapability;

/**
 * Whether the inputs of linear layers are quantized statically or at run time when the config does
 * not say ({@code activations.mode} unset): at run time for {@code model_type: transformer} on a
 * backend that can ({@link BackendCapability#DYNAMIC_ACTIVATIONS}), statically otherwise.
 *
 * <p>Measured on MiniLM-L6 (ONNX Runtime, Intel Xeon with AVX-512 VNNI and AMX-INT8, 2 threads,
 * batch 1 and 32 x 64 tokens, all variants interleaved in one process, minimum of 60/12 rounds on
 * a shared machine): dynamic linear layers with FP32 attention 4.0 ms / 990 ms, static QDQ linear
 * layers 13.1 ms / 951 ms (their bias Adds stay separate and 25 QuantizeLinear nodes run), ONNX
 * Runtime's own dynamic twin 4.4 ms / 1060 ms; sentence cosine to FP32 0.9931 dynamic, 0.9935
 * static. Dynamic also needs no calibration statistics for those tensors. CPUs without VNNI were
 * not measured: the choice does not depend on a CPU feature here, both paths use the same u8s8
 * kernels.
 */
final class ActivationModeDefault {
    private ActivationModeDefault() {
    }

    /** True when a model of this kind, on a backend with these capabilities, gets dynamic activations by default. */
    static boolean dynamic(boolean transformer, Set<BackendCapability> caps) {
        return transformer && caps.contains(BackendCapability.DYNAMIC_ACTIVATIONS);
    }
}
