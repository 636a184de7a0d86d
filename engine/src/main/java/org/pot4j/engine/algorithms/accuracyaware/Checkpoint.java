package org.pot4j.engine.algorithms.accuracyaware;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.model.Model;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.engine.Sha256;
import org.pot4j.engine.config.PlanJson;
import org.pot4j.api.io.AtomicFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code <workDir>/aa-checkpoint.json}: the {@link SearchState} after every iteration, with a
 * fingerprint of the inputs (model file and size, parameters that change the search, validation
 * data, metrics). Written atomically, so a kill leaves the previous checkpoint intact; a checkpoint
 * that cannot be read, or was written for other inputs, is ignored with a warning and the search
 * starts over.
 */
final class Checkpoint {
    static final String FILE_NAME = "aa-checkpoint.json";
    static final String FORMAT = "pot4j-accuracy-aware-checkpoint/1";

    private static final Logger LOG = LoggerFactory.getLogger(Checkpoint.class);
    private static final ObjectMapper MAPPER = mapper();

    private final Path file;

    Checkpoint(Path file) {
        this.file = file;
    }

    Path file() {
        return file;
    }

    /** Writes {@code state} (temp file, then move). */
    void save(String fingerprint, SearchState state) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("format", FORMAT);
        root.put("fingerprint", fingerprint);
        JsonNode stateTree = MAPPER.valueToTree(state);
        root.put("checksum", checksum(stateTree));
        root.set("state", stateTree);
        try {
            AtomicFiles.write(file, MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialize the AccuracyAware state: " + e.getMessage(), e);
        }
    }

    /** The saved state when the file exists, parses and matches {@code fingerprint}; else null (with a warning). */
    SearchState load(String fingerprint) {
        return load(fingerprint, null);
    }

    /**
     * As {@link #load(String)}, and also ignores a checkpoint whose own checksum does not match its
     * state (edited or damaged) or that names nodes {@code nodeIds} does not have (another model).
     *
     * @param nodeIds the loaded model's quantizable node ids, or null to skip that check
     */
    SearchState load(String fingerprint, java.util.Set<String> nodeIds) {
        if (!Files.isRegularFile(file)) {
            LOG.info("no AccuracyAware checkpoint at {}: starting from the beginning", file);
            return null;
        }
        try {
            JsonNode root = MAPPER.readTree(Files.readAllBytes(file));
            if (root == null || !FORMAT.equals(root.path("format").asText())) {
                LOG.warn("ignoring {}: not an AccuracyAware checkpoint of this pot4j version; starting over", file);
                return null;
            }
            if (!fingerprint.equals(root.path("fingerprint").asText())) {
                LOG.warn("ignoring {}: it was written for another model, dataset or parameters; starting over", file);
                return null;
            }
            if (!root.path("checksum").asText().equals(checksum(root.path("state")))) {
                LOG.warn("ignoring {}: its checksum does not match its content (edited or damaged); starting over", file);
                return null;
            }
            SearchState st = MAPPER.treeToValue(root.get("state"), SearchState.class);
            if (st == null || st.plan == null || st.bestPlan == null || st.controlled.isEmpty()) {
                LOG.warn("ignoring {}: incomplete checkpoint; starting over", file);
                return null;
            }
            if (nodeIds != null) {
                java.util.Set<String> named = new java.util.TreeSet<>(st.queue);
                named.addAll(st.plan.weights().keySet());
                named.addAll(st.bestPlan.weights().keySet());
                named.removeAll(nodeIds);
                if (!named.isEmpty()) {
                    LOG.warn("ignoring {}: it names nodes the model does not have {}; starting over", file, named);
                    return null;
                }
            }
            return st;
        } catch (IOException | RuntimeException e) {
            LOG.warn("ignoring corrupt AccuracyAware checkpoint {} ({}); starting over", file, e.getMessage());
            return null;
        }
    }

    /** SHA-256 of the state as compact JSON: a checkpoint's own checksum. */
    private static String checksum(JsonNode state) {
        try {
            return Sha256.of(MAPPER.writeValueAsBytes(state));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** SHA-256 over what decides the search path. */
    static String fingerprint(Model model, Map<String, Object> fingerprintedParams, Dataset validation, String probe) {
        StringBuilder sb = new StringBuilder();
        sb.append("model=").append(model.path() == null ? "" : model.path().toAbsolutePath().normalize()).append('\n');
        sb.append("backend=").append(model.backendName()).append('\n');
        sb.append("size=").append(model.sizeOnDisk()).append('\n');
        sb.append("nodes=").append(model.quantizableNodes().size()).append('\n');
        try {
            sb.append("params=").append(MAPPER.writeValueAsString(new java.util.TreeMap<>(fingerprintedParams))).append('\n');
        } catch (IOException e) {
            sb.append("params=").append(fingerprintedParams).append('\n');
        }
        sb.append("validation=").append(validation.name()).append(':').append(validation.size()).append('\n');
        sb.append("probe=").append(probe).append('\n');
        return Sha256.of(sb.toString());
    }

    private static ObjectMapper mapper() {
        SimpleModule plans = new SimpleModule("pot4j-plan");
        plans.addSerializer(QuantizationPlan.class, new JsonSerializer<>() {
            @Override
            public void serialize(QuantizationPlan plan, JsonGenerator gen, SerializerProvider sp) throws IOException {
                gen.writeTree(PlanJson.toTree(plan));
            }
        });
        plans.addDeserializer(QuantizationPlan.class, new JsonDeserializer<>() {
            @Override
            public QuantizationPlan deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
                JsonNode tree = p.readValueAsTree();
                return PlanJson.fromTree(tree);
            }
        });
        return new ObjectMapper().registerModule(plans)
                .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    }
}
