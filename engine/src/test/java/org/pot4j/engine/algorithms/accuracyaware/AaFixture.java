package org.pot4j.engine.algorithms.accuracyaware;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import org.pot4j.api.metric.Metric;
import org.pot4j.engine.testing.JavaMlpModel;

/**
 * A five-layer MLP (16 -> 32 -> 32 -> 32 -> 32 -> 10) on seeded data, quantized by
 * {@link TestQuantizer} with 8 bits except: fc3's weights at 3 bits and fc2's input activation
 * ({@code r1}) at 4 bits. DefaultQuantization-style 8-bit everywhere would meet a 1-point drop;
 * these two layers do not, so AccuracyAware must find and revert them.
 */
final class AaFixture {
    static final int FEATURES = 16;
    static final int CLASSES = 5;

    final JavaMlpModel model;
    final LabeledDataset calibration;
    final LabeledDataset validation;

    AaFixture(int validationSize) {
        Random r = new Random(7);
        int h = 32;
        model = JavaMlpModel.builder("input", -1, FEATURES)
                .linear("fc1", "input", "h1", JavaMlpModel.randomMatrix(r, h, FEATURES, 1.7 / Math.sqrt(FEATURES)), JavaMlpModel.randomVector(r, h, 0.2))
                .relu("h1", "r1")
                .linear("fc2", "r1", "h2", JavaMlpModel.randomMatrix(r, h, h, 1.7 / Math.sqrt(h)), JavaMlpModel.randomVector(r, h, 0.2))
                .relu("h2", "r2")
                .linear("fc3", "r2", "h3", JavaMlpModel.randomMatrix(r, h, h, 1.7 / Math.sqrt(h)), JavaMlpModel.randomVector(r, h, 0.2))
                .relu("h3", "r3")
                .linear("fc4", "r3", "h4", JavaMlpModel.randomMatrix(r, h, h, 1.7 / Math.sqrt(h)), JavaMlpModel.randomVector(r, h, 0.2))
                .relu("h4", "r4")
                .linear("fc5", "r4", "logits", JavaMlpModel.randomMatrix(r, CLASSES, h, 1.7 / Math.sqrt(h)), JavaMlpModel.randomVector(r, CLASSES, 0.2))
                .output("logits")
                .build();
        calibration = LabeledDataset.create("calibration", model, 300, FEATURES, CLASSES, 0.0, 11);
        validation = LabeledDataset.create("validation", model, validationSize, FEATURES, CLASSES, 0.08, 12);
    }

    AaFixture() {
        this(400);
    }

    static TestQuantizer sensitiveQuantizer() {
        return new TestQuantizer(Map.of("fc3", 3), Map.of("r1", 4));
    }

    /** A context with accuracy as the metric and the sensitive quantizer as DefaultQuantization. */
    AaContext context(Path workDir) {
        AaContext c = new AaContext();
        c.calibration = calibration;
        c.validation = validation;
        c.metrics = List.<Supplier<Metric>>of(TestMetrics.Accuracy::new);
        c.algorithms.put("DefaultQuantization", AaFixture::sensitiveQuantizer);
        c.workDir = workDir;
        return c;
    }
}
