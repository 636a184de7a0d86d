package org.pot4j.engine.testing;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.pot4j.api.ProgressListener;

/** Remembers every progress event as a line, for assertions. */
public final class RecordingProgress implements ProgressListener {
    private final List<String> events = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void stageStarted(String stage, long total) {
        events.add("start " + stage + " " + total);
    }

    @Override
    public void progress(String stage, long done, long total) {
        events.add("progress " + stage + " " + done + "/" + total);
    }

    @Override
    public void stageFinished(String stage) {
        events.add("finish " + stage);
    }

    @Override
    public void message(String text) {
        events.add("message " + text);
    }

    /** Events so far. */
    public List<String> events() {
        synchronized (events) {
            return List.copyOf(events);
        }
    }
}
