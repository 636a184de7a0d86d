package org.pot4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class TextTableTest {
    @Test
    void alignsColumnsAndRightAlignsNumbers() {
        String table = new TextTable("model", "drop", "status").alignRight(1)
                .row("lenet", "0.10", "OK")
                .row("resnet-long-name", "12.00", null)
                .render();
        assertEquals(""
                + "model              drop  status\n"
                + "-------------------------------\n"
                + "lenet              0.10  OK\n"
                + "resnet-long-name  12.00\n", table);
    }
}
