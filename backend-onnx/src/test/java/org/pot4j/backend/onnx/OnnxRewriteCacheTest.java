package org.pot4j.backend.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.pot4j.api.Tensor;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.ModelBackend;
import org.pot4j.api.model.QuantizableNode;
import org.pot4j.api.quant.ActivationQuantizer;
import org.pot4j.api.quant.QuantizationPlan;

/**
 * {@link OnnxRewriteCache}: plans written through the cache are byte-identical to plans written without it
 * (static QDQ weights on the ResNet example, dynamic MatMuls and the int8 embedding gather on the encoder
 * net), names taken since an entry was made force a fresh rewrite, and the cache stays within its capacity.
 */
class OnnxRewriteCacheTest {
    @Test
    void cnnPlansWrittenThroughTheCacheAreByteIdenticalToUncachedOnes() throws java.io.IOException {
        Path fp32 = OnnxFixtures.example("mnist-resnet/resnet.onnx");
        assumeTrue(fp32 != null, "examples/mnist-resnet/resnet.onnx is not there yet");
        try (ModelBackend backend = new OnnxBackendProvider().create(Map.of());
             Model model = backend.load(fp32, Map.of())) {
            Map<String, Tensor> batch = OnnxResnetExampleTest.stack(OnnxFixtures.mnistTest(8), 0, 8);
            checkVariants((OnnxModel) model, OnnxTestPlans.quantizeAll(model, batch));
        }
    }

    @Test
    void dynamicMatMulAndGatherPlansWrittenThroughTheCacheAreByteIdenticalToUncachedOnes() {
        try (ModelBackend backend = new OnnxBackendProvider().create(Map.of());
             Model model = backend.load(OnnxFixtures.file("embedding-net.onnx", OnnxTestModels.embeddingNet()), Map.of())) {
            QuantizationPlan.Builder b = QuantizationPlan.builder();
            for (QuantizableNode n : model.quantizableNodes()) {
                b.weight(n.id(), OnnxTestPlans.perChannel(model.weight(n), n.weightChannelAxis()));
                for (String t : n.activationInputs()) {
                    b.activation(t, ActivationQuantizer.dynamic(8));
                }
            }
            checkVariants((OnnxModel) model, b.build());
        }
    }

    /** The base plan, each node alone in FP32, then the base again: cached and uncached bytes agree every time. */
    private static void checkVariants(OnnxModel model, QuantizationPlan base) {
        List<QuantizationPlan> plans = new ArrayList<>();
        plans.add(base);
        for (QuantizableNode n : model.quantizableNodes()) {
            plans.add(base.toBuilder().removeWeight(n.id()).removeBiasShift(n.id()).fp32Node(n.id()).build());
        }
        plans.add(base);
        for (QuantizationPlan p : plans) {
            assertArrayEquals(model.appliedUncached(p).toByteArray(), model.applied(p).toByteArray(),
                    "plan keeping " + p.fp32Nodes() + " in FP32");
        }
        OnnxRewriteCache cache = model.rewriteCache();
        long[] hm = cache.hitsAndMisses();
        assertTrue(hm[0] > hm[1], "later plans reuse the weights the first one quantized: hits/misses " + hm[0] + "/" + hm[1]);
        assertTrue(cache.bytes() > 0 && cache.bytes() <= cache.capacityBytes(), cache.bytes() + " of " + cache.capacityBytes());
    }

    @Test
    void anEntryWhoseNamesAreTakenIsRewrittenWithTheNewNames() {
        OnnxRewriteCache cache = new OnnxRewriteCache(1 << 20);
        int[] runs = {0};
        java.util.function.Function<UnaryOperator<String>, List<String>> rewrite = names -> {
            runs[0]++;
            return List.of(names.apply("w_quantized"), names.apply("w_scale"));
        };
        Set<String> first = new HashSet<>();
        assertEquals(List.of("w_quantized", "w_scale"), get(cache, rewrite, first));
        Set<String> second = new HashSet<>();
        assertEquals(List.of("w_quantized", "w_scale"), get(cache, rewrite, second));
        assertEquals(1, runs[0], "the second plan reuses the entry");
        // another tensor of this plan is already called w_scale: the cached names would collide
        Set<String> third = new HashSet<>(Set.of("w_scale"));
        assertEquals(List.of("w_quantized", "w_scale_1"), get(cache, rewrite, third));
        assertEquals(2, runs[0], "a collision runs the rewrite again");
        assertEquals(Set.of("w_quantized", "w_scale", "w_scale_1"), third, "names reserved by the failed replay are released");
    }

    @Test
    void theCacheDropsTheLeastRecentlyUsedEntriesBeyondItsCapacity() {
        OnnxRewriteCache cache = new OnnxRewriteCache(100);
        Random r = new Random(1);
        for (int k = 0; k < 50; k++) {
            int key = k;
            byte[] v = new byte[40];
            r.nextBytes(v);
            cache.get(key, names -> v, x -> (long) x.length, UnaryOperator.identity(), n -> { });
            assertTrue(cache.bytes() <= 100, "bytes " + cache.bytes());
        }
        assertEquals(2, cache.size());
        byte[] fresh = new byte[40];
        assertSame(fresh, cache.get(0, names -> fresh, x -> (long) x.length, UnaryOperator.identity(), n -> { }),
                "the first key was evicted, so it is rewritten");
        byte[] big = new byte[101];
        cache.get(-1, names -> big, x -> (long) x.length, UnaryOperator.identity(), n -> { });
        assertTrue(cache.bytes() <= 100 && cache.size() <= 2, "an entry larger than the capacity is not kept");
        OnnxRewriteCache off = new OnnxRewriteCache(0);
        off.get(1, names -> fresh, x -> 40L, UnaryOperator.identity(), n -> { });
        assertEquals(0, off.size());
    }

    private static List<String> get(OnnxRewriteCache cache, java.util.function.Function<UnaryOperator<String>, List<String>> rewrite,
                                    Set<String> taken) {
        UnaryOperator<String> unique = base -> {
            String n = base;
            for (int k = 1; taken.contains(n); k++) {
                n = base + "_" + k;
            }
            taken.add(n);
            return n;
        };
        return cache.get("w", rewrite, v -> 8L, unique, taken::remove);
    }
}
