package org.pot4j.testkit;

import org.pot4j.api.data.Dataset;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.Model;

/** Top-1 accuracy of a compiled classifier, for backend tests that check an INT8 model still classifies. */
public final class ClassifierAccuracy {
    private ClassifierAccuracy() {
    }

    /**
     * The share of samples of {@code data} (annotation: the {@code Integer} class) whose largest logit
     * in {@code model}'s first output is at the labelled class, run in batches of {@code batchSize}
     * stacked as {@link MinMaxTestPlanner#batch} does.
     */
    public static double top1(Model model, CompiledModel compiled, Dataset data, int batchSize) {
        String output = model.outputs().get(0).name();
        int correct = 0;
        for (int start = 0; start < data.size(); start += batchSize) {
            int end = Math.min(data.size(), start + batchSize);
            float[] logits = compiled.infer(MinMaxTestPlanner.batch(model, data, start, end)).get(output).floats();
            int classes = logits.length / (end - start);
            for (int i = start; i < end; i++) {
                int row = (i - start) * classes;
                int best = 0;
                for (int k = 1; k < classes; k++) {
                    if (logits[row + k] > logits[row + best]) {
                        best = k;
                    }
                }
                correct += best == (Integer) data.get(i).annotation() ? 1 : 0;
            }
        }
        return (double) correct / data.size();
    }
}
