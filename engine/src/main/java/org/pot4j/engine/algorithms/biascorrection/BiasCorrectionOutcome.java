package org.pot4j.engine.algorithms.biascorrection;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pot4j.api.quant.QuantizationPlan;

/**
 * What bias correction did.
 *
 * @param plan       the input plan with the applied shifts (and no others)
 * @param applied    node ids whose bias was shifted, with the shift magnitude {@code max |shift / bias|}
 * @param skipped    node ids left alone, with the reason
 * @param seconds    wall time, including the quantized statistics pass
 */
public record BiasCorrectionOutcome(QuantizationPlan plan, Map<String, Double> applied, Map<String, String> skipped, double seconds) {
    /** Copies. */
    public BiasCorrectionOutcome {
        applied = Collections.unmodifiableMap(new LinkedHashMap<>(applied));
        skipped = Collections.unmodifiableMap(new LinkedHashMap<>(skipped));
    }

    /** Ids of the corrected nodes. */
    public List<String> appliedNodes() {
        return List.copyOf(applied.keySet());
    }

    /** Facts for report.json. */
    public Map<String, Object> report() {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("bias_shifts_applied", applied.size());
        r.put("bias_shifts_skipped", skipped.size());
        r.put("bias_corrected_nodes", List.copyOf(applied.keySet()));
        r.put("bias_skipped_nodes", new LinkedHashMap<>(skipped));
        r.put("bias_correction_seconds", Math.round(seconds * 1000) / 1000.0);
        return r;
    }
}
