package org.pot4j.backend.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.pot4j.api.Tensor;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.Int8CpuFeatures;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.ModelBackend;
import org.pot4j.api.quant.ActivationQuantizer;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.backend.onnx.OnnxKernelTable.Kind;
import org.pot4j.backend.onnx.proto.OnnxProtos.ModelProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.TensorProto;

/**
 * The per-CPU activation storage choice: selection on given tables (no timing asserted), the CPU
 * description that keys the cache, and a real measurement plus both storages run by ONNX Runtime.
 */
class OnnxKernelTableTest {
    private static final Set<Kind> CONV = Set.of(Kind.CONV);

    /** A table where every kind runs {@code u8} microseconds on uint8 storage and {@code s8} on int8, {@code zp0} factor for zero point 0. */
    static OnnxKernelTable table(double u8, double s8, double zp0Factor) {
        return table(u8, s8, zp0Factor, true);
    }

    static OnnxKernelTable table(double u8, double s8, double zp0Factor, boolean int8Native) {
        EnumMap<Kind, Map<OnnxActivationEncoding, Double>> micros = new EnumMap<>(Kind.class);
        EnumMap<Kind, Double> fp32 = new EnumMap<>(Kind.class);
        for (Kind k : Kind.values()) {
            micros.put(k, Map.of(OnnxActivationEncoding.U8_ZP0, u8 * zp0Factor, OnnxActivationEncoding.U8_ZP, u8,
                    OnnxActivationEncoding.S8_ZP0, s8 * zp0Factor, OnnxActivationEncoding.S8_ZP, s8));
            fp32.put(k, 3 * u8);
        }
        return new OnnxKernelTable("test cpu", "1.29.0", micros, fp32, int8Native);
    }

    @Test
    void int8StorageIsChosenOnlyWhenMeasuredFasterBeyondTheMargin() {
        ActivationQuantizer signed = new ActivationQuantizer(8, true, 0.02f, 0);
        ActivationQuantizer relu = new ActivationQuantizer(8, false, 0.02f, 0);
        // x86 with ORT 1.29: int8 pairs are rewritten to uint8, the times tie -> uint8 stays
        OnnxActivationStorage tie = OnnxActivationStorage.choose(signed, CONV, table(100, 93, 1));
        assertEquals(OnnxActivationEncoding.U8_ZP, tie.encoding());
        assertEquals(128, tie.storedZeroPoint());
        // a CPU whose int8 kernels are faster (e.g. ARM's sdot): the same quantizer as int8, zero point 0
        OnnxActivationStorage s8 = OnnxActivationStorage.choose(signed, CONV, table(100, 70, 1));
        assertEquals(OnnxActivationEncoding.S8_ZP0, s8.encoding());
        assertEquals(0, s8.storedZeroPoint());
        OnnxActivationStorage reluS8 = OnnxActivationStorage.choose(relu, CONV, table(100, 70, 1));
        assertEquals(OnnxActivationEncoding.S8_ZP, reluS8.encoding());
        assertEquals(-128, reluS8.storedZeroPoint(), "uint8 zero point 0 is int8 zero point -128: same values");
        // a runtime that rewrites int8 pairs to uint8 (x86): int8 never chosen, whatever the noise says
        assertEquals(OnnxActivationEncoding.U8_ZP, OnnxActivationStorage.choose(signed, CONV, table(100, 50, 1, false)).encoding());
        // no table (measurement off or failed), no kernel kind touching the tensor: uint8
        assertEquals(OnnxActivationEncoding.U8_ZP, OnnxActivationStorage.choose(signed, CONV, null).encoding());
        assertEquals(OnnxActivationEncoding.U8_ZP, OnnxActivationStorage.choose(signed, Set.of(), table(100, 10, 1)).encoding());
    }

    @Test
    void anAsymmetricRangeBecomesSymmetricOnlyWhenFasterAndTheStatisticsAllowIt() {
        OnnxKernelTable zp0Faster = table(100, 100, 0.8);
        // nearly centred range [-1.00, 1.04]: the symmetric step is < 10% larger
        ActivationQuantizer centred = new ActivationQuantizer(8, false, 2.04f / 255, 125);
        ActivationQuantizer sym = OnnxActivationStorage.effective(centred, CONV, zp0Faster);
        assertTrue(sym.signed() && sym.zeroPoint() == 0, "symmetric: " + sym);
        assertTrue(sym.scale() <= centred.scale() * 1.1f);
        // skewed SiLU-like range [-0.28, 7.6]: a symmetric range would nearly double the step
        ActivationQuantizer skewed = new ActivationQuantizer(8, false, 7.88f / 255, 9);
        assertSame(skewed, OnnxActivationStorage.effective(skewed, CONV, zp0Faster));
        // zero point 0 not faster on this CPU: the asymmetric range stays
        assertSame(centred, OnnxActivationStorage.effective(centred, CONV, table(100, 100, 1)));
        assertSame(centred, OnnxActivationStorage.effective(centred, CONV, null));
    }

    @Test
    void theTableRoundTripsThroughItsCacheFormatAndRejectsBrokenFiles() {
        OnnxKernelTable t = table(100, 80, 0.9);
        OnnxKernelTable back = OnnxKernelTable.fromProperties(t.toProperties());
        assertEquals(t.cpu(), back.cpu());
        assertEquals(t.micros(), back.micros());
        assertEquals(t.fp32(), back.fp32());
        assertEquals(t.int8Native(), back.int8Native());
        java.util.Properties broken = t.toProperties();
        broken.setProperty("conv.s8_zp0", "-3");
        assertNull(OnnxKernelTable.fromProperties(broken));
        broken = t.toProperties();
        broken.remove("cpu");
        assertNull(OnnxKernelTable.fromProperties(broken));
    }

    @Test
    void theCacheIsKeyedByTheCpusInt8FlagsAndReducedRangeStaysOnNonVnniCpus() {
        String avx2 = "model name : AMD EPYC\nflags : fpu avx2 fma\n";
        String vnni = "model name : AMD EPYC\nflags : fpu avx2 avx512f avx512_vnni\n";
        assertNotEquals(Int8CpuFeatures.describe("amd64", avx2).describe(), Int8CpuFeatures.describe("amd64", vnni).describe());
        // the storage table never touches the weight rule: 7-bit weights on AVX2 only, whatever the table says
        assertTrue(OnnxCpuFeatures.saturates("amd64", avx2));
        assertEquals(false, OnnxCpuFeatures.saturates("amd64", vnni));
    }

    @Test
    void aRealMeasurementAndBothStoragesOfOnePlanRunTheSameValuesOnIntegerKernels() throws Exception {
        OnnxKernelTable measured = OnnxKernelBenchmark.measure(OnnxEnvironment.get().env(), "this cpu", "test");
        boolean x86 = System.getProperty("os.arch").matches("amd64|x86_64");
        if (x86) {
            assertEquals(false, measured.int8Native(), "ORT's x86 provider rewrites int8 activations to uint8");
        }
        for (Kind k : Kind.values()) {
            assertEquals(OnnxActivationEncoding.values().length, measured.micros().get(k).size(), k.key());
            measured.micros().get(k).values().forEach(v -> assertTrue(v > 0, measured.describe()));
        }
        try (ModelBackend<OnnxLoadOptions> backend = new OnnxBackendProvider().create(null);
             Model m = backend.load(OnnxFixtures.residualCnn())) {
            Map<String, Tensor> batch = Map.of(m.inputs().get(0).name(), Tensor.concat(java.util.stream.IntStream.range(0, 4)
                    .mapToObj(i -> OnnxTestData.randomImages(4, OnnxTestModels.SIDE, 5).get(i).inputs().get("input").withBatchDim())
                    .toList()));
            QuantizationPlan plan = OnnxTestPlans.quantizeAll(m, batch);
            OnnxModel onnx = (OnnxModel) m;
            OnnxKernelTable int8Faster = table(100, 50, 1);
            ModelProto s8 = onnx.appliedWithKernelTable(plan, int8Faster);
            ModelProto u8 = onnx.appliedWithKernelTable(plan, null);
            assertTrue(zeroPointTypes(s8).contains(OnnxTensorProtos.INT8), "int8 activations written");
            assertEquals(Set.of(OnnxTensorProtos.UINT8), zeroPointTypes(u8));
            float[] a;
            float[] b;
            try (CompiledModel cs = onnx.compileWithKernelTable(plan, int8Faster);
                 CompiledModel cu = onnx.compileWithKernelTable(plan, null)) {
                a = cs.infer(batch).get(m.outputs().get(0).name()).toFloatArray();
                b = cu.infer(batch).get(m.outputs().get(0).name()).toFloatArray();
            }
            for (int i = 0; i < a.length; i++) {
                assertEquals(b[i], a[i], 1e-4 * (1 + Math.abs(b[i])), "logit " + i + ": equivalent storages");
            }
        }
    }

    private static Set<Integer> zeroPointTypes(ModelProto m) {
        java.util.Set<Integer> types = new java.util.HashSet<>();
        for (TensorProto t : m.getGraph().getInitializerList()) {
            if (t.getName().endsWith("_zero_point") && t.getDimsCount() == 0 && !t.getName().contains("weight")) {
                types.add(t.getDataType());
            }
        }
        return types;
    }
}
