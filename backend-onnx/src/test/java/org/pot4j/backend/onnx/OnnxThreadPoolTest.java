package org.pot4j.backend.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.pot4j.api.Tensor;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.ModelBackend;
import org.pot4j.api.quant.QuantizationPlan;

/**
 * The shared intra-op pool ({@link OnnxEnvironment}): used only when no thread count is asked for, and
 * sessions on it (also several running at once) compute exactly what sessions with their own pool compute.
 */
class OnnxThreadPoolTest {
    @Test
    void sessionsUseTheSharedPoolOnlyWhenNoThreadCountIsAskedFor() {
        OnnxSessionSettings own = OnnxSessionSettings.defaults();
        assertFalse(own.usesSharedPool(), "an environment without a shared pool: each session has its own");
        OnnxSessionSettings shared = own.withSharedPool(true);
        assertTrue(shared.usesSharedPool());
        assertTrue(shared.with(OnnxLoadOptions.defaults()).usesSharedPool());
        assertFalse(shared.with(new OnnxLoadOptions(1, null, null, null)).usesSharedPool(), "intra_op_threads: its own pool");
        assertFalse(shared.with(new OnnxLoadOptions(null, 2, null, null)).usesSharedPool(), "engine threads: its own pool");
        assertTrue(shared.withOptimizedModelPath("x.onnx").usesSharedPool());
    }

    @Test
    void concurrentRunsShareTheCoresUnlessAThreadCountIsAskedFor() {
        OnnxSessionSettings shared = OnnxSessionSettings.defaults().withSharedPool(true);
        assertTrue(shared.forConcurrentRuns(1, 8).usesSharedPool(), "one run: the shared pool, all cores");
        assertEquals(4, shared.forConcurrentRuns(2, 8).intraOpThreads());
        assertEquals(2, shared.forConcurrentRuns(3, 8).intraOpThreads());
        assertEquals(1, shared.forConcurrentRuns(2, 2).intraOpThreads(), "2 runs on 2 cores: one thread each");
        assertEquals(1, shared.forConcurrentRuns(16, 2).intraOpThreads());
        assertFalse(shared.forConcurrentRuns(2, 2).usesSharedPool());
        OnnxSessionSettings asked = shared.with(new OnnxLoadOptions(3, null, null, null));
        assertEquals(asked, asked.forConcurrentRuns(4, 8), "the user's thread count stays");
        assertEquals(1, OnnxSessionSettings.defaults().forConcurrentRuns(2, 2).intraOpThreads(), "also without a shared pool");
    }

    @Test
    void sessionsOnTheSharedPoolComputeWhatSessionsWithTheirOwnPoolCompute() throws Exception {
        Path fp32 = OnnxFixtures.example("mnist-resnet/resnet.onnx");
        assumeTrue(fp32 != null, "examples/mnist-resnet/resnet.onnx is not there yet");
        assumeTrue(OnnxEnvironment.get().sharedPool(), "the environment was created without a shared pool");
        int cores = Runtime.getRuntime().availableProcessors();
        try (ModelBackend<OnnxLoadOptions> backend = new OnnxBackendProvider().create(null);
             Model shared = backend.load(fp32);
             Model own = backend.load(fp32, new OnnxLoadOptions(cores, null, null, null))) {
            Map<String, Tensor> batch = OnnxResnetExampleTest.stack(OnnxFixtures.mnistTest(16), 0, 16);
            QuantizationPlan plan = OnnxTestPlans.quantizeAll(shared, batch);
            String out = shared.outputs().get(0).name();
            float[] expected;
            try (CompiledModel c = own.compile(plan, Set.of())) {
                expected = c.infer(batch).get(out).toFloatArray();
            }
            try (CompiledModel c = shared.compile(plan, Set.of(), 2)) {
                assertArrayEquals(expected, c.infer(batch).get(out).toFloatArray(), "a share of the cores changes no output");
            }
            // two sessions on the shared pool, each run from two threads at once (as ranking workers do)
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try (CompiledModel a = shared.compile(plan, Set.of()); CompiledModel b = shared.compile(plan, Set.of())) {
                List<Future<float[]>> runs = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    CompiledModel c = i % 2 == 0 ? a : b;
                    runs.add(pool.submit(() -> c.infer(batch).get(out).toFloatArray()));
                }
                for (Future<float[]> f : runs) {
                    assertArrayEquals(expected, f.get(), "the shared pool changes no output");
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
