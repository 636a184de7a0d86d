package org.pot4j.backend.tensorflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.tensorflow.proto.ConfigProto;

/**
 * The load-options record: defaults, {@code output}, name lists and the session threads ({@code threads}
 * from the engine / benchmark). Keys, types and ranges are bound by the engine (distribution's
 * {@code BackendOptionsBindingTest}).
 */
class TfLoadOptionsTest {
    /** {@code output: fake_quant}. */
    static final TfLoadOptions FAKE_QUANT = new TfLoadOptions(null, null, null, null, "fake_quant", null, null, null);
    private static final ConfigProto BACKEND = ConfigProto.newBuilder().setIntraOpParallelismThreads(4).build();

    /** {@code outputs: [names]}. */
    static TfLoadOptions outputs(String... names) {
        return new TfLoadOptions(null, null, null, List.of(names), null, null, null, null);
    }

    private static TfLoadOptions threads(Integer threads, Integer intra, Integer inter) {
        return new TfLoadOptions(null, null, null, null, null, threads, intra, inter);
    }

    @Test
    void defaultsAreServingDefaultServeAndInt8() {
        TfLoadOptions d = TfLoadOptions.defaults();
        assertEquals("serving_default", d.signature());
        assertEquals(List.of("serve"), d.tags());
        assertEquals(List.of(), d.inputs());
        assertEquals(TfLoadOptions.Output.INT8, d.outputKind());
        assertEquals(TfLoadOptions.class, new TfBackendProvider().loadOptions());
    }

    @Test
    void int8IsTheDefaultOutputAndFakeQuantCanBeChosen() {
        assertEquals(TfLoadOptions.Output.FAKE_QUANT, FAKE_QUANT.outputKind());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TfLoadOptions(null, null, null, null, "qdq", null, null, null));
        assertTrue(e.getMessage().contains("fake_quant"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new TfLoadOptions(" ", null, null, null, null, null, null, null));
    }

    @Test
    void nameListsMayBeCommaSeparated() {
        assertEquals(List.of("a", "b", "c"), new TfLoadOptions(null, null, List.of("a, b", "c"), null, null, null, null, null)
                .inputs());
        assertEquals(List.of("logits"), outputs("logits").outputs());
    }

    @Test
    void threadsSetIntraOpThreadsAndOneInterOpThread() {
        ConfigProto c = threads(2, null, null).sessionConfig(BACKEND);
        assertEquals(2, c.getIntraOpParallelismThreads());
        assertEquals(1, c.getInterOpParallelismThreads());
        assertEquals(3, threads(2, 3, null).sessionConfig(BACKEND).getIntraOpParallelismThreads(), "intra_op_threads wins");
        assertEquals(4, TfLoadOptions.defaults().sessionConfig(BACKEND).getIntraOpParallelismThreads(),
                "without the option the backend's setting stays");
        ConfigProto backendWide = threads(null, 0, 2).backendSessionConfig();
        assertEquals(0, backendWide.getIntraOpParallelismThreads(), "0 lets TensorFlow choose");
        assertEquals(2, backendWide.getInterOpParallelismThreads());
    }
}
