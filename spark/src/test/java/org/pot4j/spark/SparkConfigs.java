package org.pot4j.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/** Copies of the example configs with absolute paths and an {@code engine.executor}, written outside the source tree. */
final class SparkConfigs {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SparkConfigs() {
    }

    static Path copy(Path example, Path target, Map<String, Object> executor) throws IOException {
        ObjectNode root = (ObjectNode) JSON.readTree(example.toFile());
        Path dir = example.getParent();
        ObjectNode model = (ObjectNode) root.get("model");
        model.put("model", dir.resolve(model.get("model").asText()).normalize().toString());
        ObjectNode engine = (ObjectNode) root.get("engine");
        for (String ds : new String[] {"calibration_dataset", "validation_dataset"}) {
            JsonNode spec = engine.get(ds);
            if (spec instanceof ObjectNode o) {
                for (String key : new String[] {"images", "labels", "path"}) {
                    if (o.hasNonNull(key)) {
                        o.put(key, dir.resolve(o.get(key).asText()).normalize().toString());
                    }
                }
            }
        }
        if (!executor.isEmpty()) {
            engine.set("executor", JSON.valueToTree(executor));
        }
        JSON.writerWithDefaultPrettyPrinter().writeValue(target.toFile(), root);
        return target;
    }
}
