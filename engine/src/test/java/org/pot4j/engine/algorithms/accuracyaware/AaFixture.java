package org.pot4j.engine.algorithms.accuracyaware;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;
import org.pot4j.api.ProgressListener;
import org.pot4j.api.metric.Metric;
import org.pot4j.api.model.Model;
import org.pot4j.api.quant.AlgorithmContext;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.api.quant.QuantizationResult;
import org.pot4j.engine.evaluation.EvaluationRequest;
import org.pot4j.engine.evaluation.Evaluator;
import org.pot4j.engine.testing.JavaMlpModel;
import org.pot4j.engine.testing.TestAlgorithmContext;

/**
 * A five-layer MLP (16 -> 32 -> 32 -> 32 -> 32 -> 10) on seeded data, quantized by
 * {@link TestQuantizer} with 8 bits except: fc3's weights at 3 bits and fc2's input activation
 * ({@code r1}) at 4 bits. DefaultQuantization-style 8-bit everywhere would meet a 1-point drop;
 * these two layers do not, so AccuracyAware must find and revert them.
 */
final class AaFixture {
    static final int FEATURES = 16;
    static final int CLASSES = 5;
    /** The base algorithm's parameter names AccuracyAware accepts besides its own. */
    static final Set<String> BASE_NAMES = Set.of("preset", "stat_subset_size");

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
    TestAlgorithmContext context(Path workDir) {
        return TestAlgorithmContext.bare(calibration).withValidation(validation)
                .withMetrics(List.<Supplier<Metric>>of(TestMetrics.Accuracy::new))
                .withAlgorithm("DefaultQuantization", AaFixture::sensitiveQuantizer).withWorkDir(workDir);
    }

    /** AccuracyAware (base algorithm parameters {@link #BASE_NAMES}) on this fixture's model. */
    QuantizationResult run(AlgorithmContext c) {
        return run(model, c);
    }

    /** AccuracyAware (base algorithm parameters {@link #BASE_NAMES}) on {@code m}. */
    static QuantizationResult run(Model m, AlgorithmContext c) {
        return new AccuracyAwareQuantization(BASE_NAMES).run(m, c);
    }

    /** The report's {@code reverted_nodes}, in the order reverted. */
    @SuppressWarnings("unchecked")
    static List<String> reverted(QuantizationResult r) {
        return (List<String>) r.report().get("reverted_nodes");
    }

    /** Top-1 accuracy of {@code plan} on the validation set, measured by a stand-alone evaluator. */
    double accuracy(QuantizationPlan plan) {
        return new Evaluator(ProgressListener.NONE, 1).evaluate(model, EvaluationRequest.of(plan, validation,
                List.<Supplier<Metric>>of(TestMetrics.Accuracy::new), "check")).aggregate().get("accuracy@top1");
    }

    /** A report part as text without its wall times (two runs compare equal). */
    static String withoutTimes(Object reportPart) {
        return reportPart.toString().replaceAll("seconds=[0-9.E-]+", "");
    }

    /** The report's entry for metric {@code name}. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> metric(QuantizationResult r, String name) {
        for (Object o : (List<?>) r.report().get("metrics")) {
            Map<String, Object> m = (Map<String, Object>) o;
            if (name.equals(m.get("name"))) {
                return m;
            }
        }
        throw new AssertionError("no metric " + name + " in " + r.report().get("metrics"));
    }
}
