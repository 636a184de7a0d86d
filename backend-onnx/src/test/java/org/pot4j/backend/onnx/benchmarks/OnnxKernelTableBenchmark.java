package org.pot4j.backend.onnx.benchmarks;

import ai.onnxruntime.OrtEnvironment;
import org.pot4j.api.model.Int8CpuFeatures;

/**
 * Measures this CPU's int8 kernel table {@code [--repeat N]} times and prints each (the backend
 * measures it once per CPU and ONNX Runtime version and caches it; this shows its run-to-run spread).
 */
public final class OnnxKernelTableBenchmark {
    private OnnxKernelTableBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int repeat = args.length >= 2 && args[0].equals("--repeat") ? Integer.parseInt(args[1]) : 1;
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        for (int i = 0; i < repeat; i++) {
            System.out.println(org.pot4j.backend.onnx.OnnxKernelTableAccess.measure(env, Int8CpuFeatures.cpu().describe()));
        }
    }
}
