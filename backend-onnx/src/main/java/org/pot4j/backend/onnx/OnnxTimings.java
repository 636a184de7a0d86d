package org.pot4j.backend.onnx;

import java.util.Locale;

/** Formatting of the debug timers that show where a compile or a run spends its time. */
final class OnnxTimings {
    private OnnxTimings() {
    }

    /** Nanoseconds as milliseconds with one decimal. */
    static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.1f", nanos / 1e6);
    }
}
