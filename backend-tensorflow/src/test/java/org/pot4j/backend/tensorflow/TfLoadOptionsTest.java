package org.pot4j.backend.tensorflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.tensorflow.proto.ConfigProto;

/** The model options of issue 10: {@code output} and the session threads ({@code threads} from the engine / benchmark). */
class TfLoadOptionsTest {
    private static final ConfigProto BACKEND = ConfigProto.newBuilder().setIntraOpParallelismThreads(4).build();

    @Test
    void int8IsTheDefaultOutputAndFakeQuantCanBeChosen() {
        assertEquals(TfLoadOptions.Output.INT8, TfLoadOptions.parse(Map.of()).output());
        assertEquals(TfLoadOptions.Output.FAKE_QUANT, TfLoadOptions.parse(Map.of("output", "fake_quant")).output());
        Pot4jException e = assertThrows(Pot4jException.class, () -> TfLoadOptions.parse(Map.of("output", "qdq")));
        assertEquals(ErrorCode.CONFIG_INVALID, e.code());
        assertTrue(e.getMessage().contains("fake_quant"), e.getMessage());
    }

    @Test
    void threadsSetIntraOpThreadsAndOneInterOpThread() {
        ConfigProto c = TfLoadOptions.parse(Map.of("threads", 2)).sessionConfig(BACKEND);
        assertEquals(2, c.getIntraOpParallelismThreads());
        assertEquals(1, c.getInterOpParallelismThreads());
        ConfigProto fromCli = TfLoadOptions.parse(Map.of("intra_op_threads", "3")).sessionConfig(BACKEND);
        assertEquals(3, fromCli.getIntraOpParallelismThreads(), "-o intra_op_threads=3 arrives as a string");
        assertEquals(4, TfLoadOptions.parse(Map.of()).sessionConfig(BACKEND).getIntraOpParallelismThreads(),
                "without the option the backend's engine setting stays");
        Pot4jException e = assertThrows(Pot4jException.class, () -> TfLoadOptions.parse(Map.of("threads", -1)));
        assertEquals(ErrorCode.CONFIG_INVALID, e.code());
    }
}
