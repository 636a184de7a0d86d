package org.pot4j.engine.algorithms.accuracyaware;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.data.Sample;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.Model;
import org.pot4j.api.quant.QuantizationPlan;

/**
 * Seeded Gaussian inputs labelled by the FP32 model's own prediction, with a fraction of labels
 * flipped so the FP32 accuracy is below 1 (as on real data).
 */
final class LabeledDataset implements Dataset {
    private final String name;
    private final List<float[]> inputs;
    private final int[] labels;
    private final int features;

    private LabeledDataset(String name, List<float[]> inputs, int[] labels, int features) {
        this.name = name;
        this.inputs = inputs;
        this.labels = labels;
        this.features = features;
    }

    static LabeledDataset create(String name, Model teacher, int size, int features, int classes, double flip, long seed) {
        Random r = new Random(seed);
        List<float[]> xs = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            float[] x = new float[features];
            for (int j = 0; j < features; j++) {
                x[j] = (float) r.nextGaussian();
            }
            xs.add(x);
        }
        int[] labels = new int[size];
        try (CompiledModel m = teacher.compile(QuantizationPlan.EMPTY, Set.of())) {
            String in = teacher.inputs().get(0).name();
            String out = teacher.outputs().get(0).name();
            for (int i = 0; i < size; i++) {
                float[] logits = m.infer(java.util.Map.of(in, Tensor.ofFloats(new long[] {1, features}, xs.get(i)))).get(out).floats();
                int best = 0;
                for (int c = 1; c < logits.length; c++) {
                    if (logits[c] > logits[best]) {
                        best = c;
                    }
                }
                labels[i] = r.nextDouble() < flip ? (best + 1 + r.nextInt(classes - 1)) % classes : best;
            }
        }
        return new LabeledDataset(name, xs, labels, features);
    }

    @Override
    public int size() {
        return inputs.size();
    }

    @Override
    public Sample get(int index) {
        return Sample.of("input", Tensor.ofFloats(new long[] {features}, inputs.get(index)), labels[index]);
    }

    @Override
    public String name() {
        return name;
    }
}
