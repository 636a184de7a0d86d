package org.pot4j.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.AbstractLogger;
import org.slf4j.helpers.MessageFormatter;

class Slf4jProgressListenerTest {
    /** Keeps every formatted INFO line. */
    static final class RecordingLogger extends AbstractLogger {
        private static final long serialVersionUID = 1L;
        final List<String> lines = Collections.synchronizedList(new ArrayList<>());

        RecordingLogger() {
            this.name = "test";
        }

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(Level level, Marker marker, String msg, Object[] args, Throwable t) {
            lines.add(level + " " + MessageFormatter.basicArrayFormat(msg, args));
        }

        public boolean isTraceEnabled() {
            return false;
        }

        public boolean isTraceEnabled(Marker m) {
            return false;
        }

        public boolean isDebugEnabled() {
            return false;
        }

        public boolean isDebugEnabled(Marker m) {
            return false;
        }

        public boolean isInfoEnabled() {
            return true;
        }

        public boolean isInfoEnabled(Marker m) {
            return true;
        }

        public boolean isWarnEnabled() {
            return true;
        }

        public boolean isWarnEnabled(Marker m) {
            return true;
        }

        public boolean isErrorEnabled() {
            return true;
        }

        public boolean isErrorEnabled(Marker m) {
            return true;
        }
    }

    @Test
    void logsStartEveryTenPercentWithRateAndEtaThenFinish() {
        RecordingLogger log = new RecordingLogger();
        Slf4jProgressListener p = new Slf4jProgressListener(log);
        p.stageStarted("statistics", 200);
        for (int i = 1; i <= 200; i++) {
            p.progress("statistics", i, 200);
        }
        p.stageFinished("statistics");
        List<String> lines = log.lines;
        assertEquals("INFO statistics: started (200 items)", lines.get(0));
        List<String> progress = lines.subList(1, lines.size() - 1);
        assertEquals(9, progress.size(), lines.toString());
        assertTrue(progress.get(0).startsWith("INFO statistics: 20/200 (10%), "), progress.get(0));
        assertTrue(progress.get(8).contains("180/200 (90%)"), progress.get(8));
        assertTrue(progress.stream().allMatch(l -> l.contains("/s, ETA ")), progress.toString());
        assertTrue(lines.get(lines.size() - 1).startsWith("INFO statistics: done, 200 items in "), lines.get(lines.size() - 1));
    }

    @Test
    void coarseProgressAndUnknownTotalsStayQuiet() {
        RecordingLogger log = new RecordingLogger();
        Slf4jProgressListener p = new Slf4jProgressListener(log);
        p.stageStarted("rank", 0);
        p.progress("rank", 5, 0);
        p.stageFinished("rank");
        assertEquals(2, log.lines.size(), log.lines.toString());
        p.stageStarted("eval", 3);
        p.progress("eval", 3, 3);
        p.stageFinished("eval");
        assertEquals(4, log.lines.size(), "100% is reported by the finish line only: " + log.lines);
        p.message("iteration 1: reverted conv1");
        assertEquals("INFO iteration 1: reverted conv1", log.lines.get(4));
    }

    @Test
    void formatsDurations() {
        assertEquals("4.2 s", Slf4jProgressListener.formatSeconds(4.21));
        assertEquals("3 min 05 s", Slf4jProgressListener.formatSeconds(185));
        assertEquals("?", Slf4jProgressListener.formatSeconds(Double.NaN));
    }
}
