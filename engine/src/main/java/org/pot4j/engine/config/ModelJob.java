package org.pot4j.engine.config;

import java.util.Map;
import java.util.Objects;

/**
 * One model to quantize: its model, engine and compression sections, with a {@code models}
 * entry's sections already merged over the top-level defaults.
 *
 * @param model       what to load
 * @param engine      data, metrics and run settings
 * @param compression the algorithms to run
 * @param raw         the effective config of this job as plain values, for reports
 */
public record ModelJob(ModelSpec model, EngineSpec engine, CompressionSpec compression, Map<String, Object> raw) {
    /** Validates and freezes. */
    public ModelJob {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(compression, "compression");
        raw = JsonFiles.freezeMap(raw);
    }
}
