package org.pot4j.engine.algorithms.accuracyaware;

import java.util.List;
import org.pot4j.api.ProgressListener;

/** Records AccuracyAware's progress messages and, when given a list for them, the stages it starts. */
class Messages implements ProgressListener {
    private final List<String> messages;
    private final List<String> stages;

    Messages(List<String> messages) {
        this(messages, null);
    }

    Messages(List<String> messages, List<String> stages) {
        this.messages = messages;
        this.stages = stages;
    }

    @Override
    public void stageStarted(String stage, long total) {
        if (stages != null) {
            stages.add(stage);
        }
    }

    @Override
    public void progress(String stage, long done, long total) {
    }

    @Override
    public void stageFinished(String stage) {
    }

    @Override
    public void message(String text) {
        messages.add(text);
    }
}
