package org.pot4j.engine.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.quant.ActivationQuantizer;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.api.quant.WeightQuantizer;

class PlanJsonTest {
    @TempDir
    Path dir;

    /** A plan with awkward floats: random bit patterns, subnormals, extremes. */
    private static QuantizationPlan awkwardPlan(long seed) {
        Random r = new Random(seed);
        QuantizationPlan.Builder b = QuantizationPlan.builder();
        for (int n = 0; n < 20; n++) {
            int channels = 1 + r.nextInt(64);
            float[] scales = new float[channels];
            for (int c = 0; c < channels; c++) {
                float s;
                do {
                    s = Math.abs(Float.intBitsToFloat(r.nextInt()));
                } while (!(s > 0) || !Float.isFinite(s));
                scales[c] = s;
            }
            scales[0] = Float.MIN_VALUE;
            if (channels > 1) {
                scales[1] = Float.MAX_VALUE;
            }
            if (channels > 2) {
                scales[2] = 0.1f;
            }
            b.weight("node/" + n, new WeightQuantizer(8, channels == 1 ? -1 : 0, channels == 1 ? new float[] {scales[0]} : scales,
                    new int[channels], n % 2 == 0));
            b.activation("tensor:" + n, new ActivationQuantizer(8, n % 3 == 0, (float) (r.nextDouble() * 1e-3 + 1e-9),
                    n % 3 == 0 ? -3 : 17));
            float[] shift = new float[channels];
            for (int c = 0; c < channels; c++) {
                shift[c] = Float.intBitsToFloat(r.nextInt());
                if (!Float.isFinite(shift[c])) {
                    shift[c] = -1.17549435E-38f;
                }
            }
            b.biasShift("node/" + n, shift);
        }
        b.fp32Node("node/3").fp32Node("node \"quoted\"");
        b.metadata("algorithm", "DefaultQuantization").metadata("preset", "performance");
        return b.build();
    }

    @Test
    void roundTripGivesTheIdenticalPlanBitForBit() {
        for (long seed = 0; seed < 5; seed++) {
            QuantizationPlan plan = awkwardPlan(seed);
            QuantizationPlan back = PlanJson.read(PlanJson.write(plan));
            assertEquals(plan, back);
            for (String node : plan.weights().keySet()) {
                float[] a = plan.weights().get(node).scales();
                float[] c = back.weights().get(node).scales();
                for (int i = 0; i < a.length; i++) {
                    assertEquals(Float.floatToIntBits(a[i]), Float.floatToIntBits(c[i]), node + "[" + i + "]");
                }
            }
            for (String node : plan.biasShifts().keySet()) {
                assertArrayEquals(plan.biasShifts().get(node), back.biasShifts().get(node));
            }
        }
    }

    @Test
    void nonFiniteBiasShiftsAndEmptyPlansSurvive() {
        QuantizationPlan plan = QuantizationPlan.builder().biasShift("n", new float[] {Float.NaN, Float.POSITIVE_INFINITY, -0.0f}).build();
        QuantizationPlan back = PlanJson.read(PlanJson.write(plan));
        assertEquals(plan, back);
        assertEquals(Float.floatToIntBits(-0.0f), Float.floatToIntBits(back.biasShifts().get("n")[2]));
        assertEquals(QuantizationPlan.EMPTY, PlanJson.read(PlanJson.write(QuantizationPlan.EMPTY)));
    }

    @Test
    void fileRoundTripAndReadableLayout() throws Exception {
        QuantizationPlan plan = QuantizationPlan.builder()
                .weight("conv1", new WeightQuantizer(8, 0, new float[] {0.5f, 0.25f}, new int[] {0, 0}, true))
                .activation("input", new ActivationQuantizer(8, false, 0.0078125f, 0)).fp32Node("fc").build();
        Path file = dir.resolve("plan.json");
        PlanJson.writeFile(plan, file);
        assertEquals(plan, PlanJson.readFile(file));
        String text = Files.readString(file);
        assertTrue(text.contains("\"format\" : \"pot4j-plan\""), text);
        assertTrue(text.contains("\"zero_points\""), text);
        assertTrue(text.contains("0.0078125"), text);
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file is left behind");
        }
    }

    @Test
    void badPlansGiveClearErrors() {
        assertEquals(ErrorCode.CONFIG_INVALID, assertThrows(Pot4jException.class, () -> PlanJson.read("{}")).code());
        assertEquals(ErrorCode.CONFIG_INVALID, assertThrows(Pot4jException.class, () -> PlanJson.read("not json")).code());
        Pot4jException e = assertThrows(Pot4jException.class, () -> PlanJson.read(
                "{\"format\": \"pot4j-plan\", \"weights\": {\"n\": {\"bits\": 8, \"axis\": -1, \"scales\": [-1], \"zero_points\": [0]}}}"));
        assertTrue(e.getMessage().contains("scales must be positive"), e.getMessage());
        assertEquals(ErrorCode.FILE_NOT_FOUND, assertThrows(Pot4jException.class, () -> PlanJson.readFile(dir.resolve("x.json"))).code());
    }
}
