package org.pot4j.engine.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.pot4j.api.ProgressListener;
import org.pot4j.engine.Pot4j;

/**
 * One engine for a test class, without progress output, built before its tests and closed after
 * them: {@code @RegisterExtension static final QuietEngine ENGINE = new QuietEngine();}.
 */
public final class QuietEngine implements BeforeAllCallback, AfterAllCallback {
    private Pot4j pot4j;

    @Override
    public void beforeAll(ExtensionContext context) {
        pot4j = Pot4j.builder().progress(ProgressListener.NONE).build();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        pot4j.close();
    }

    /** The engine (built once per test class). */
    public Pot4j pot4j() {
        return pot4j;
    }
}
