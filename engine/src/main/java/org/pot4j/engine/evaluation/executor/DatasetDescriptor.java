package org.pot4j.engine.evaluation.executor;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * How to open a dataset again on another JVM: the config-style spec ({@code type} plus the
 * provider's parameters, without {@code annotation}: a remote worker only needs the inputs, the
 * driver keeps the annotations) and the folder relative paths resolve against.
 *
 * @param spec    {@code {type: idx|npy|csv|..., <provider params>}}
 * @param baseDir folder relative paths in {@code spec} resolve against
 */
public record DatasetDescriptor(Map<String, Object> spec, String baseDir) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Validates and copies. */
    public DatasetDescriptor {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(baseDir, "baseDir");
        spec = new LinkedHashMap<>(spec);
    }

    /** The dataset provider type. */
    public String type() {
        return String.valueOf(spec.get("type"));
    }
}
