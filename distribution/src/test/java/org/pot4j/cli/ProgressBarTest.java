package org.pot4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressBarTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void lineShowsBarCountPercentRateAndEta() {
        String line = ProgressBar.line("statistics", 150, 300, 3.0, true);
        assertEquals("statistics [############------------] 150/300  50%  50.0/s  ETA 0:03", line);
    }

    @Test
    void etaExtrapolatesTheRateSoFar() {
        assertEquals("--:--", ProgressBar.eta(0, 100, 5.0));
        assertEquals("0:45", ProgressBar.eta(10, 100, 5.0));
        assertEquals("0:00", ProgressBar.eta(100, 100, 5.0));
        assertEquals("1:02:30", ProgressBar.eta(1, 76, 50.0));
    }

    @Test
    void slowStagesShowSecondsPerUnit() {
        assertEquals("12.5s each", ProgressBar.rate(2, 25.0));
        assertEquals("250/s", ProgressBar.rate(500, 2.0));
        assertEquals("-/s", ProgressBar.rate(0, 2.0));
    }

    @Test
    void unknownTotalShowsCountAndElapsedTime() {
        assertEquals("ranking 7 done  1.4/s  0:05 elapsed", ProgressBar.line("ranking", 7, 0, 5.0, true));
    }

    @Test
    void terminalModeRedrawsOneLineInPlaceAndEndsWithASummary() {
        StringWriter text = new StringWriter();
        AtomicLong clock = new AtomicLong();
        ProgressBar bar = new ProgressBar(new PrintWriter(text), ProgressBar.Mode.BAR, clock::get);
        bar.stageStarted("evaluate fp32", 4);
        for (int i = 1; i <= 4; i++) {
            clock.addAndGet(SECOND);
            bar.progress("evaluate fp32", i, 4);
        }
        bar.stageFinished("evaluate fp32");
        String out = text.toString();
        assertTrue(out.startsWith("\revaluate fp32 [------------------------] 0/4   0%  -/s  ETA --:--"), out);
        assertTrue(out.contains("\revaluate fp32 [############------------] 2/4  50%  1.0/s  ETA 0:02"), out);
        assertTrue(out.endsWith("evaluate fp32 4/4 done in 0:04 (1.0/s)" + System.lineSeparator()), out);
        assertEquals(1, out.chars().filter(c -> c == '\n').count(), "only the summary ends a line");
    }

    @Test
    void etaIgnoresTheSlowFirstBatchOfAStage() {
        StringWriter text = new StringWriter();
        AtomicLong clock = new AtomicLong();
        ProgressBar bar = new ProgressBar(new PrintWriter(text), ProgressBar.Mode.BAR, clock::get);
        bar.stageStarted("statistics", 100);
        clock.addAndGet(60 * SECOND); // setup: session creation, JIT
        bar.progress("statistics", 10, 100);
        clock.addAndGet(SECOND);
        bar.progress("statistics", 20, 100);
        String out = text.toString();
        // 10 units per second since the first report: 80 left take 8 s, not the 4 minutes the average says
        assertTrue(out.endsWith("statistics [####--------------------] 20/100  20%  3.1s each  ETA 0:08"), out);
    }

    @Test
    void nestedStageHandsTheLineBackToTheOuterOne() {
        StringWriter text = new StringWriter();
        AtomicLong clock = new AtomicLong();
        ProgressBar bar = new ProgressBar(new PrintWriter(text), ProgressBar.Mode.BAR, clock::get);
        bar.stageStarted("accuracy-aware", 10);
        bar.stageStarted("evaluate int8", 100);
        clock.addAndGet(SECOND);
        bar.stageFinished("evaluate int8");
        bar.message("iteration 1: reverted conv1");
        String out = text.toString();
        int summary = out.indexOf("evaluate int8 0/100 done");
        int message = out.indexOf("iteration 1: reverted conv1");
        assertTrue(summary > 0 && message > summary, out);
        assertTrue(out.endsWith("\raccuracy-aware [------------------------] 0/10   0%  -/s  ETA --:--"), out);
    }

    @Test
    void lineModePrintsPeriodicPlainLinesWithoutCarriageReturns() {
        StringWriter text = new StringWriter();
        AtomicLong clock = new AtomicLong();
        ProgressBar bar = new ProgressBar(new PrintWriter(text), ProgressBar.Mode.LINES, clock::get);
        bar.stageStarted("statistics", 300);
        for (int i = 1; i <= 300; i++) {
            clock.addAndGet(SECOND / 10);
            bar.progress("statistics", i, 300);
        }
        bar.stageFinished("statistics");
        String out = text.toString();
        assertFalse(out.contains("\r"), out);
        String[] lines = out.split("\\R");
        assertEquals("statistics (300) ...", lines[0]);
        // 30 seconds of work, a line every 5 seconds, then the summary
        assertEquals(1 + 6 + 1, lines.length, out);
        assertEquals("statistics 50/300  16%  10.0/s  ETA 0:25", lines[1]);
        assertEquals("statistics 300/300 done in 0:30 (10.0/s)", lines[lines.length - 1]);
    }

    @Test
    void noneModePrintsOnlyMessages() {
        StringWriter text = new StringWriter();
        ProgressBar bar = new ProgressBar(new PrintWriter(text), ProgressBar.Mode.NONE, () -> 0L);
        bar.stageStarted("x", 2);
        bar.progress("x", 1, 2);
        bar.stageFinished("x");
        bar.message("hello");
        assertEquals("hello" + System.lineSeparator(), text.toString());
    }
}
