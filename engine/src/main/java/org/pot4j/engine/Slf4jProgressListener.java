package org.pot4j.engine;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.pot4j.api.ProgressListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The library's default {@link ProgressListener}: logs at INFO when a stage starts, each time it
 * passes another ~10% (with rate and ETA), and when it finishes. Thread-safe.
 */
public final class Slf4jProgressListener implements ProgressListener {
    private final Logger log;
    private final Map<String, Stage> stages = new ConcurrentHashMap<>();

    /** Logs to {@code org.pot4j.progress}. */
    public Slf4jProgressListener() {
        this(LoggerFactory.getLogger("org.pot4j.progress"));
    }

    /** Logs to the given logger. */
    public Slf4jProgressListener(Logger log) {
        this.log = log;
    }

    @Override
    public void stageStarted(String stage, long total) {
        stages.put(stage, new Stage(System.nanoTime(), total));
        if (total > 0) {
            log.info("{}: started ({} items)", stage, total);
        } else {
            log.info("{}: started", stage);
        }
    }

    @Override
    public void progress(String stage, long done, long total) {
        Stage s = stages.computeIfAbsent(stage, k -> new Stage(System.nanoTime(), total));
        String line;
        synchronized (s) {
            s.done = Math.max(s.done, done);
            if (total <= 0) {
                return;
            }
            int decile = (int) Math.min(10, done * 10 / total);
            if (decile <= s.lastDecile || decile >= 10) {
                return;
            }
            s.lastDecile = decile;
            double seconds = (System.nanoTime() - s.startNanos) / 1e9;
            double rate = seconds > 0 ? done / seconds : 0;
            double eta = rate > 0 ? (total - done) / rate : Double.NaN;
            line = String.format(Locale.ROOT, "%s: %d/%d (%d%%), %.1f/s, ETA %s", stage, done, total,
                    done * 100 / total, rate, formatSeconds(eta));
        }
        log.info(line);
    }

    @Override
    public void stageFinished(String stage) {
        Stage s = stages.remove(stage);
        if (s == null) {
            log.info("{}: done", stage);
            return;
        }
        double seconds = (System.nanoTime() - s.startNanos) / 1e9;
        long done;
        synchronized (s) {
            done = s.done;
        }
        if (done > 0) {
            log.info(String.format(Locale.ROOT, "%s: done, %d items in %s (%.1f/s)", stage, done,
                    formatSeconds(seconds), seconds > 0 ? done / seconds : 0));
        } else {
            log.info("{}: done in {}", stage, formatSeconds(seconds));
        }
    }

    @Override
    public void message(String text) {
        log.info(text);
    }

    /** {@code 4.2 s}, {@code 3 min 05 s}, or {@code ?} when unknown. */
    static String formatSeconds(double s) {
        if (Double.isNaN(s) || Double.isInfinite(s)) {
            return "?";
        }
        if (s < 60) {
            return String.format(Locale.ROOT, "%.1f s", s);
        }
        long total = Math.round(s);
        return String.format(Locale.ROOT, "%d min %02d s", total / 60, total % 60);
    }

    private static final class Stage {
        final long startNanos;
        final long total;
        long done;
        int lastDecile;

        Stage(long startNanos, long total) {
            this.startNanos = startNanos;
            this.total = total;
        }
    }
}
