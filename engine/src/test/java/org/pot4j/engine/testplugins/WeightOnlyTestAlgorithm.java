package org.pot4j.engine.testplugins;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.pot4j.api.Tensor;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.QuantizableNode;
import org.pot4j.api.quant.AlgorithmContext;
import org.pot4j.api.quant.QuantizationAlgorithm;
import org.pot4j.api.quant.QuantizationAlgorithmProvider;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.api.quant.QuantizationResult;
import org.pot4j.api.quant.WeightQuantizer;
import org.pot4j.engine.PreviousResult;

/**
 * A small but real test algorithm ({@code TestWeightOnly}): symmetric per-channel INT8 weights
 * with scale = max|w| / 127 per output channel, no activation quantizers. Params:
 * {@code target_device} (recorded in the report), {@code fail} (throw, to test failure handling),
 * {@code bits} (default 8).
 */
public final class WeightOnlyTestAlgorithm implements QuantizationAlgorithm {
    /** Algorithm name. */
    public static final String NAME = "TestWeightOnly";

    /** ServiceLoader provider. */
    public static final class Provider implements QuantizationAlgorithmProvider {
        @Override
        public String name() {
            return NAME;
        }

        @Override
        public QuantizationAlgorithm create() {
            return new WeightOnlyTestAlgorithm();
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<String> parameterNames() {
        return Set.of("target_device", "fail", "bits");
    }

    @Override
    public QuantizationResult run(Model model, AlgorithmContext context) {
        if (Boolean.TRUE.equals(context.params().get("fail"))) {
            throw new IllegalStateException("asked to fail");
        }
        int bits = ((Number) context.params().getOrDefault("bits", 8)).intValue();
        int qmax = (1 << (bits - 1)) - 1;
        QuantizationPlan.Builder plan = context.service(PreviousResult.class).get()
                .map(r -> r.plan().toBuilder()).orElse(QuantizationPlan.builder());
        int count = 0;
        for (QuantizableNode n : model.quantizableNodes()) {
            if (!n.hasWeight()) {
                continue;
            }
            Tensor w = model.weight(n);
            long[] shape = w.shape();
            int axis = n.weightChannelAxis();
            int channels = (int) shape[axis];
            long inner = 1;
            for (int i = axis + 1; i < shape.length; i++) {
                inner *= shape[i];
            }
            float[] max = new float[channels];
            float[] data = w.toFloatArray();
            for (int i = 0; i < data.length; i++) {
                int c = (int) ((i / inner) % channels);
                max[c] = Math.max(max[c], Math.abs(data[i]));
            }
            float[] scales = new float[channels];
            for (int c = 0; c < channels; c++) {
                scales[c] = Math.max(max[c], 1e-8f) / qmax;
            }
            plan.weight(n.id(), new WeightQuantizer(bits, axis, scales, new int[channels], true));
            count++;
        }
        plan.metadata("algorithm", NAME);
        context.progress().message("quantized " + count + " weights");
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("quantized_nodes", count);
        report.put("target_device", String.valueOf(context.params().get("target_device")));
        report.put("had_previous", context.service(PreviousResult.class).get().isPresent());
        return QuantizationResult.completed(plan.build(), report);
    }
}
