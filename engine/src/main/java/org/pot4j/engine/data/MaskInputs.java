package org.pot4j.engine.data;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pot4j.engine.config.MetricSpec;

/**
 * The model inputs that masked metrics ({@code mask_input: attention_mask}) read from the annotation:
 * added to a dataset spec as {@code annotation_inputs}, so the dataset carries them to the metric (see
 * {@link InputAnnotatedDataset}) and a dataset without them fails before any pass runs.
 */
public final class MaskInputs {
    private MaskInputs() {
    }

    /** {@code spec} plus {@code annotation_inputs} listing every metric's {@code mask_input}, or {@code spec} when none has one. */
    public static Map<String, Object> spec(Map<String, Object> spec, List<MetricSpec> metrics) {
        List<Object> masks = new ArrayList<>();
        for (MetricSpec m : metrics) {
            Object in = m.params() == null ? null : m.params().get("mask_input");
            if (in != null && !masks.contains(in)) {
                masks.add(in);
            }
        }
        if (masks.isEmpty()) {
            return spec;
        }
        Map<String, Object> out = new LinkedHashMap<>(spec);
        out.putIfAbsent("annotation_inputs", masks);
        return out;
    }
}
