package org.pot4j.backend.tensorflow;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.ModelBackend;
import org.pot4j.api.quant.QuantizationPlan;

/**
 * Measurement harness (not a test; speed is reported, never asserted): for each MNIST example
 * SavedModel, FP32 vs INT8 accuracy on the 2,000 test images under the test min/max plan, the
 * INT8/FP32 file size ratio, and FP32 vs FakeQuant inference time measured side by side
 * (calls alternating between the two, median per batch) at batch 1 and 16.
 *
 * <p>Run from the module folder after {@code mvn test-compile}:
 * {@code java -cp target/classes:target/test-classes:<test classpath> org.pot4j.backend.tensorflow.TfQuantizationReport}
 */
public final class TfQuantizationReport {
    private static final int CALLS = 400;

    private TfQuantizationReport() {
    }

    /** Prints the report for the given example folders (default: lenet and resnet SavedModels). */
    public static void main(String[] args) throws Exception {
        List<String> models = args.length > 0 ? List.of(args)
                : List.of("mnist-lenet/lenet_savedmodel", "mnist-lenet/lenet_frozen.pb", "mnist-resnet/resnet_savedmodel");
        Dataset test = MnistIdx.split("test");
        Dataset calibration = MnistIdx.split("calibration");
        try (TfScratch scratch = new TfScratch(); ModelBackend backend = new TfBackendProvider().create(Map.of())) {
            Path out = scratch.dir();
            for (String name : models) {
                Path path = MnistIdx.EXAMPLES.resolve(name);
                try (Model model = backend.load(path, Map.of())) {
                    QuantizationPlan plan = TfMinMaxPlanner.plan(model, calibration);
                    Path saved = out.resolve(path.getFileName().toString());
                    model.save(plan, saved);
                    try (Model int8Model = backend.load(saved, Map.of());
                         CompiledModel fp32 = model.compile(QuantizationPlan.EMPTY, Set.of());
                         CompiledModel int8 = int8Model.compile(QuantizationPlan.EMPTY, Set.of())) {
                        double accFp32 = TfMinMaxPlanner.accuracy(model, fp32, test);
                        double accInt8 = TfMinMaxPlanner.accuracy(int8Model, int8, test);
                        System.out.printf("%s: %d quantized nodes, %d activation quantizers%n", name,
                                plan.weights().size(), plan.activations().size());
                        System.out.printf("  accuracy FP32 %.4f  INT8 %.4f  (drop %.2f points)%n", accFp32, accInt8, 100 * (accFp32 - accInt8));
                        System.out.printf("  size FP32 %d bytes  INT8 %d bytes  ratio %.3f%n", model.sizeOnDisk(), int8Model.sizeOnDisk(),
                                (double) int8Model.sizeOnDisk() / model.sizeOnDisk());
                        for (int batch : new int[] {1, 16}) {
                            Map<String, Tensor> input = TfMinMaxPlanner.batch(model, test, 0, batch);
                            double[] t = sideBySide(fp32, int8, input);
                            System.out.printf("  batch %2d: FP32 %.3f ms  INT8 (FakeQuant) %.3f ms  speed-up %.2fx%s%n", batch, t[0], t[1],
                                    t[0] / t[1], t[1] > t[0] ? "  (FakeQuant is SLOWER than FP32)" : "");
                        }
                    }
                }
            }
        }
    }

    /**
     * Median milliseconds per batch of two compiled models, calls alternating one by one after a
     * warm-up, so both see the same machine load (the build machine is shared).
     */
    private static double[] sideBySide(CompiledModel a, CompiledModel b, Map<String, Tensor> input) {
        for (int i = 0; i < 30; i++) {
            a.infer(input);
            b.infer(input);
        }
        List<Double> ta = new ArrayList<>();
        List<Double> tb = new ArrayList<>();
        for (int r = 0; r < CALLS; r++) {
            ta.add(time(a, input));
            tb.add(time(b, input));
        }
        return new double[] {median(ta), median(tb)};
    }

    private static double time(CompiledModel c, Map<String, Tensor> input) {
        long start = System.nanoTime();
        c.infer(input);
        return (System.nanoTime() - start) / 1e6;
    }

    private static double median(List<Double> v) {
        double[] a = v.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(a);
        return a[a.length / 2];
    }
}
