package org.pot4j.backend.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;

/** Lets the benchmark mains (another package) measure a kernel table. */
public final class OnnxKernelTableAccess {
    private OnnxKernelTableAccess() {
    }

    /** A fresh measurement on this machine, described. */
    public static String measure(OrtEnvironment env, String cpu) throws OrtException {
        return OnnxKernelBenchmark.measure(env, cpu, OnnxVersions.onnxRuntime()).describe();
    }
}
