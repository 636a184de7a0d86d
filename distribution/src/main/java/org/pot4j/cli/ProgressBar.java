package org.pot4j.cli;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.pot4j.api.ProgressListener;

/**
 * Draws the engine's progress for a person watching: stage name, done/total, percentage, rate and
 * ETA. On a terminal one line is redrawn in place with {@code \r}; in a log or CI output
 * ({@link Mode#LINES}) a plain line is written every few seconds instead, so logs stay readable.
 *
 * <p>Stages may nest (an evaluation inside an accuracy-aware iteration): the most recently started
 * unfinished stage is the one drawn. Thread-safe, because evaluation reports from worker threads.
 */
public final class ProgressBar implements ProgressListener {
    /** How progress is shown. */
    public enum Mode {
        /** A bar redrawn in place (terminals). */
        BAR,
        /** Periodic plain lines (files, pipes, CI). */
        LINES,
        /** Nothing but messages. */
        NONE
    }

    private static final int BAR_CELLS = 24;
    private static final int MAX_STAGE_CHARS = 32;
    private static final long REDRAW_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long LINE_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final PrintWriter out;
    private final Mode mode;
    private final LongSupplier nanoClock;
    private final Map<String, Stage> active = new LinkedHashMap<>();
    private long lastDraw = Long.MIN_VALUE;
    private int drawnLength;

    /** A progress display on {@code out} using the system clock. */
    public ProgressBar(PrintWriter out, Mode mode) {
        this(out, mode, System::nanoTime);
    }

    /** A progress display with an explicit clock (tests). */
    ProgressBar(PrintWriter out, Mode mode, LongSupplier nanoClock) {
        this.out = out;
        this.mode = mode;
        this.nanoClock = nanoClock;
    }

    /** {@link Mode#BAR} when a person is watching a terminal, else {@link Mode#LINES}. */
    public static Mode detectMode() {
        return System.console() != null ? Mode.BAR : Mode.LINES;
    }

    @Override
    public synchronized void stageStarted(String stage, long total) {
        Stage s = new Stage(stage, total, nanoClock.getAsLong());
        active.remove(stage);
        active.put(stage, s);
        if (mode == Mode.BAR) {
            draw(s);
        } else if (mode == Mode.LINES) {
            s.lastPrinted = s.start;
            println(stage + (total > 0 ? " (" + total + ")" : "") + " ...");
        }
    }

    @Override
    public synchronized void progress(String stage, long done, long total) {
        Stage s = active.get(stage);
        long now = nanoClock.getAsLong();
        if (s == null) {
            s = new Stage(stage, total, now);
            s.lastPrinted = now;
            active.put(stage, s);
        }
        if (s.firstAt < 0) {
            s.firstAt = now;
            s.firstDone = done;
        }
        s.done = Math.max(s.done, done);
        s.total = total;
        if (mode == Mode.BAR && s == current() && (now - lastDraw >= REDRAW_NANOS || done >= total)) {
            draw(s);
        } else if (mode == Mode.LINES && now - s.lastPrinted >= LINE_NANOS) {
            s.lastPrinted = now;
            println(line(s.name, s.done, s.total, seconds(now - s.start), s.etaDone(), s.etaSeconds(now), false));
        }
    }

    @Override
    public synchronized void stageFinished(String stage) {
        Stage s = active.remove(stage);
        if (s == null || mode == Mode.NONE) {
            return;
        }
        String summary = finished(s.name, s.done, s.total, seconds(nanoClock.getAsLong() - s.start));
        if (mode == Mode.BAR) {
            clear();
            println(summary);
            Stage outer = current();
            if (outer != null) {
                draw(outer);
            }
        } else {
            println(summary);
        }
    }

    @Override
    public synchronized void message(String text) {
        if (mode == Mode.BAR) {
            clear();
            println(text);
            Stage s = current();
            if (s != null) {
                draw(s);
            }
        } else {
            println(text);
        }
    }

    /** Erases the bar so that something else can be printed (call before printing results). */
    public synchronized void clear() {
        if (drawnLength > 0) {
            out.print('\r' + " ".repeat(drawnLength) + '\r');
            out.flush();
            drawnLength = 0;
        }
    }

    private Stage current() {
        Stage last = null;
        for (Stage s : active.values()) {
            last = s;
        }
        return last;
    }

    private void draw(Stage s) {
        long now = nanoClock.getAsLong();
        lastDraw = now;
        String text = line(s.name, s.done, s.total, seconds(now - s.start), s.etaDone(), s.etaSeconds(now), true);
        int pad = Math.max(0, drawnLength - text.length());
        out.print('\r' + text + " ".repeat(pad));
        out.flush();
        drawnLength = text.length();
    }

    private void println(String text) {
        out.println(text);
        out.flush();
    }

    static double seconds(long nanos) {
        return nanos / 1e9;
    }

    /**
     * One progress line: {@code statistics [#####-----] 150/300  50%  42.1/s  ETA 0:04}. The ETA
     * assumes the rate so far continues; it reads {@code --:--} until the first unit is done.
     */
    static String line(String stage, long done, long total, double elapsedSeconds, boolean withBar) {
        return line(stage, done, total, elapsedSeconds, done, elapsedSeconds, withBar);
    }

    /**
     * A progress line whose ETA comes from the rate over {@code etaDone} units in {@code etaSeconds}
     * (since the first report): the first batch of a stage often pays for setup (session creation,
     * JIT, caches), and extrapolating it would promise a wait many times too long.
     */
    static String line(String stage, long done, long total, double elapsedSeconds, long etaDone, double etaSeconds,
                       boolean withBar) {
        StringBuilder sb = new StringBuilder(shorten(stage));
        if (total > 0) {
            long shown = Math.min(done, total);
            if (withBar) {
                int filled = (int) (BAR_CELLS * shown / total);
                sb.append(" [").append("#".repeat(filled)).append("-".repeat(BAR_CELLS - filled)).append(']');
            }
            sb.append(' ').append(shown).append('/').append(total);
            sb.append(String.format(Locale.ROOT, " %3d%%", 100 * shown / total));
            sb.append("  ").append(rate(done, elapsedSeconds));
            sb.append("  ETA ").append(done >= total ? "0:00" : eta(etaDone, etaDone + total - done, etaSeconds));
        } else {
            sb.append(' ').append(done).append(" done  ").append(rate(done, elapsedSeconds))
                    .append("  ").append(duration(elapsedSeconds)).append(" elapsed");
        }
        return sb.toString();
    }

    /** The line printed when a stage ends: {@code statistics 300/300 done in 0:07 (42.1/s)}. */
    static String finished(String stage, long done, long total, double elapsedSeconds) {
        String count = total > 0 ? done + "/" + total : Long.toString(done);
        return shorten(stage) + " " + count + " done in " + duration(elapsedSeconds)
                + (done > 0 ? " (" + rate(done, elapsedSeconds) + ")" : "");
    }

    /** Remaining time at the rate so far, or {@code --:--} when there is no rate yet. */
    static String eta(long done, long total, double elapsedSeconds) {
        if (done <= 0 || elapsedSeconds <= 0) {
            return "--:--";
        }
        if (done >= total) {
            return "0:00";
        }
        return duration(elapsedSeconds * (total - done) / done);
    }

    /** Units per second, or seconds per unit when slower than one per second. */
    static String rate(long done, double elapsedSeconds) {
        if (done <= 0 || elapsedSeconds <= 0) {
            return "-/s";
        }
        double perSecond = done / elapsedSeconds;
        if (perSecond >= 100) {
            return String.format(Locale.ROOT, "%.0f/s", perSecond);
        }
        if (perSecond >= 1) {
            return String.format(Locale.ROOT, "%.1f/s", perSecond);
        }
        return String.format(Locale.ROOT, "%.1fs each", 1 / perSecond);
    }

    /** {@code m:ss}, or {@code h:mm:ss} from one hour on. */
    static String duration(double seconds) {
        long s = Math.max(0, Math.round(seconds));
        long h = s / 3600;
        long m = (s % 3600) / 60;
        long sec = s % 60;
        return h > 0 ? String.format(Locale.ROOT, "%d:%02d:%02d", h, m, sec)
                : String.format(Locale.ROOT, "%d:%02d", m, sec);
    }

    private static String shorten(String stage) {
        return stage.length() <= MAX_STAGE_CHARS ? stage : stage.substring(0, MAX_STAGE_CHARS - 3) + "...";
    }

    /** One running stage. */
    private static final class Stage {
        final String name;
        final long start;
        long total;
        long done;
        long lastPrinted;
        /** The first progress report: ETA is extrapolated from there, not from the start. */
        long firstAt = -1;
        long firstDone;

        /** Units done and seconds spent since the first report, for the ETA; the whole stage until then. */
        long etaDone() {
            return firstAt < 0 || done <= firstDone ? done : done - firstDone;
        }

        double etaSeconds(long now) {
            return firstAt < 0 || done <= firstDone ? seconds(now - start) : seconds(now - firstAt);
        }

        Stage(String name, long total, long start) {
            this.name = name;
            this.total = total;
            this.start = start;
        }
    }
}
