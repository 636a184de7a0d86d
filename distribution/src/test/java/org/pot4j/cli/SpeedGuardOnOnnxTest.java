package org.pot4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pot4j.api.ProgressListener;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.QuantizableNode;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.engine.Pot4j;
import org.pot4j.engine.speed.PlanTimer;
import org.pot4j.engine.speed.SpeedGuard;

/**
 * The speed guard's decisions on the real MNIST ResNet (ONNX Runtime), with the clock replaced by
 * given times through {@link PlanTimer} (decisions are tested, timings never asserted): every plan
 * the guard tries is really compiled and run by ONNX Runtime, and the times say which nodes are
 * slow. The real timer runs in the CLI smoke test at the end and in {@code pot4j quantize}.
 */
class SpeedGuardOnOnnxTest {
    private static Pot4j pot4j;
    private static Model resnet;
    private static Dataset calibration;
    private static QuantizationPlan plan;

    @TempDir
    Path tmp;

    @BeforeAll
    static void quantize() {
        Path model = CliRun.example("mnist-resnet/resnet.onnx");
        Path images = CliRun.example("data/mnist/calibration-images.idx3-ubyte");
        assumeTrue(Files.exists(model) && Files.exists(images), "MNIST ResNet example not there");
        pot4j = Pot4j.builder().progress(ProgressListener.NONE).build();
        resnet = pot4j.loadModel(model, "onnx", Map.of("intra_op_threads", 1));
        calibration = pot4j.openDataset(Map.of("type", "idx", "images", images.toString(), "scale", 1 / 255.0), null);
        plan = pot4j.quantize(resnet, calibration, Map.of("preset", "performance", "stat_subset_size", 32)).plan();
    }

    @AfterAll
    static void close() {
        if (resnet != null) {
            resnet.close();
        }
        if (pot4j != null) {
            pot4j.close();
        }
    }

    /**
     * A clock where FP32 takes 10 ms and INT8 8 ms plus 3 ms for each of {@code slow} still
     * quantized; each plan is compiled and run once on real samples, as the real timer does.
     */
    private static PlanTimer clock(Set<String> slow, List<QuantizationPlan> seen) {
        return p -> {
            seen.add(p);
            try (CompiledModel c = resnet.compile(p, Set.of())) {
                Tensor out = c.infer(Map.of(resnet.inputs().get(0).name(), calibration.get(0).inputs().values().iterator()
                        .next().withBatchDim())).values().iterator().next();
                assertTrue(Float.isFinite(out.toFloatArray()[0]));
            }
            double int8 = 8;
            for (String id : slow) {
                if (!p.fp32Nodes().contains(id)) {
                    int8 += 3;
                }
            }
            return List.of(new PlanTimer.Timing(1, 10, int8), new PlanTimer.Timing(8, 40, int8 * 3));
        };
    }

    private static List<QuantizableNode> byWork() {
        List<QuantizableNode> weighted = new ArrayList<>(resnet.quantizableNodes().stream()
                .filter(n -> n.hasWeight() && plan.weights().containsKey(n.id())).toList());
        weighted.sort(java.util.Comparator.comparingLong(n -> {
            long total = 1;
            for (long d : n.weightShape()) {
                total *= d;
            }
            return total / n.weightShape()[n.weightChannelAxis()];
        }));
        return weighted;
    }

    @Test
    void aFastEnoughPlanIsKeptAfterOneMeasurement() {
        List<QuantizationPlan> seen = new ArrayList<>();
        SpeedGuard.Outcome o = new SpeedGuard(resnet.quantizableNodes(), clock(Set.of(), seen), 10, null).run(plan);
        assertSame(plan, o.plan());
        assertTrue(o.keptFp32().isEmpty());
        assertEquals(1, seen.size());
        assertEquals("int8_at_least_as_fast", o.report().get("status"));
    }

    @Test
    void theSlowFirstConvIsKeptInFp32AndNothingElse() {
        // the first conv (1 input channel: 9 weights per output) is the cheapest node and the slow one
        QuantizableNode first = byWork().get(0);
        assertEquals(1, first.weightShape()[1], "the 1-channel first conv has the least work per output: " + first);
        List<QuantizationPlan> seen = new ArrayList<>();
        SpeedGuard.Outcome o = new SpeedGuard(resnet.quantizableNodes(), clock(Set.of(first.id()), seen), 10, null).run(plan);
        assertEquals(List.of(first.id()), o.keptFp32());
        assertTrue(o.plan().fp32Nodes().contains(first.id()));
        assertFalse(o.plan().weights().containsKey(first.id()));
        assertEquals(plan.weights().size() - 1, o.plan().weights().size(), "every other node stays INT8");
        assertEquals("reverted", o.report().get("status"));
        assertEquals(3, seen.size(), "measured as given twice (a slow verdict must hold), then with the first node in FP32");
        // the plan the guard chose is what gets saved: it writes and reloads
        Path saved = tmp.resolve("guarded.onnx");
        resnet.save(o.plan(), saved);
        try (Model reloaded = pot4j.loadModel(saved)) {
            assertEquals(resnet.inputs().size(), reloaded.inputs().size());
        }
    }

    @Test
    void twoSlowNodesAreFoundByDoublingThenBisectingToTheShortestPrefix() {
        List<QuantizableNode> order = byWork();
        assumeTrue(order.size() >= 5);
        // the 3rd cheapest is slow: prefixes 1, 2 fail, 4 passes, bisection finds 3
        Set<String> slow = Set.of(order.get(2).id());
        List<QuantizationPlan> seen = new ArrayList<>();
        SpeedGuard.Outcome o = new SpeedGuard(resnet.quantizableNodes(), clock(slow, seen), 10, null).run(plan);
        assertTrue(o.plan().fp32Nodes().contains(order.get(2).id()));
        assertFalse(o.plan().fp32Nodes().contains(order.get(3).id()), "bisected back from 4 to 3: " + o.keptFp32());
        assertEquals(6, seen.size(), "given twice, 1, 2, 4, 3");
    }

    @Test
    void aSlowMeasurementThatDoesNotRepeatChangesNothing() {
        // one measurement caught the INT8 runs descheduled (30x slower), the second one did not
        List<QuantizationPlan> seen = new ArrayList<>();
        PlanTimer noisy = p -> {
            seen.add(p);
            return List.of(new PlanTimer.Timing(1, 1.1, seen.size() == 1 ? 31 : 0.8));
        };
        SpeedGuard.Outcome o = new SpeedGuard(resnet.quantizableNodes(), noisy, 10, null).run(plan);
        assertSame(plan, o.plan());
        assertEquals(2, seen.size());
        assertEquals("int8_at_least_as_fast", o.report().get("status"));
    }

    @Test
    void aPlanThatStaysSlowKeepsTheFastestLayoutFoundWithinTheBudget() {
        List<QuantizationPlan> seen = new ArrayList<>();
        // every layout slower than FP32; each node in FP32 saves 1 ms of 20: more reverted is faster, never fast enough
        PlanTimer slow = p -> {
            seen.add(p);
            return List.of(new PlanTimer.Timing(1, 10, 20 - p.fp32Nodes().size()));
        };
        SpeedGuard.Outcome o = new SpeedGuard(resnet.quantizableNodes(), slow, 4, null).run(plan);
        assertEquals("still_slower", o.report().get("status"));
        assertEquals(4, seen.size(), "stops at max_measurements");
        assertFalse(o.keptFp32().isEmpty(), "the fastest layout measured had nodes in FP32");
    }

    @Test
    void theCliRunsTheRealTimerAndRecordsItsDecisionsInTheReport() throws Exception {
        Path lenet = CliRun.example("mnist-lenet/config.json");
        assumeTrue(Files.exists(lenet));
        ObjectMapper json = new ObjectMapper();
        Map<String, Object> config = json.readValue(Files.readString(lenet), Map.class);
        Map<String, Object> engine = (Map<String, Object>) config.get("engine");
        engine.put("speed_guard", Map.of("batch_sizes", List.of(1, 4), "rounds", 3, "max_measurements", 3));
        engine.remove("validation_dataset");
        engine.remove("metrics");
        Path cfg = lenet.getParent().resolve("config.json");
        Path copy = tmp.resolve("config.json");
        String text = json.writeValueAsString(config).replace("../data/", cfg.getParent().getParent().resolve("data").toString() + "/")
                .replace("\"lenet.onnx\"", json.writeValueAsString(lenet.resolveSibling("lenet.onnx").toString()));
        Files.writeString(copy, text);
        CliRun q = CliRun.of("quantize", copy.toString(), "--output", tmp.resolve("out").toString());
        assertEquals(0, q.code(), q.toString());
        JsonNode report = json.readTree(tmp.resolve("out/lenet/report.json").toFile());
        JsonNode guard = report.path("speed_guard");
        assertTrue(Set.of("int8_at_least_as_fast", "reverted", "still_slower", "slower_nothing_to_revert").contains(guard.path("status").asText()), guard.toString());
        assertTrue(guard.path("cpu").asText().startsWith("CPU: "), guard.toString());
        assertTrue(guard.path("measurements").size() >= 1 && guard.path("measurements").size() <= 3, guard.toString());
        assertEquals(2, guard.path("measurements").get(0).path("timings").size(), "batch 1 and 4: " + guard);
        assertEquals(guard.path("kept_fp32").size(), report.path("plan").path("fp32_nodes").size(), report.toString());
        assertTrue(Files.isRegularFile(tmp.resolve("out/lenet/lenet-int8.onnx")));
    }
}
